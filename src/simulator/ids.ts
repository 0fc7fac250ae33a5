/** Random and derived identifiers (tokens, SHAs, digests) for the simulator. */
import { createHash, randomBytes } from 'node:crypto';

/** A personal access token shaped like GitLab's: `glpat-` + 20 URL-safe characters. */
export function newPersonalAccessToken(): string {
  return `glpat-${randomBytes(15).toString('base64url')}`;
}

/** 40 random hex characters: commit SHAs and discussion ids look like this. */
export function randomHex40(): string {
  return randomBytes(20).toString('hex');
}

/** Stable hex digest of a string, for deterministic digests, revisions and sizes. */
export function sha256Hex(input: string): string {
  return createHash('sha256').update(input).digest('hex');
}

/** Deterministic `sha256:…` manifest digest for an image tag. */
export function manifestDigest(repository: string, tag: string): string {
  return `sha256:${sha256Hex(`manifest:${repository}:${tag}`)}`;
}

/** Deterministic local image id (`docker images` IMAGE ID) for a manifest digest. */
export function imageId(digest: string): string {
  return `sha256:${sha256Hex(`image:${digest}`)}`;
}

/** Short deterministic lowercase alphanumeric string, e.g. runner pod suffixes. */
export function shortId(seed: string, length: number): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';
  const hex = sha256Hex(seed);
  let out = '';
  for (let i = 0; i < length; i += 1) {
    out += alphabet[Number.parseInt(hex.slice(i * 2, i * 2 + 2), 16) % alphabet.length];
  }
  return out;
}
