/** An image reference split the way Docker reads it. */
export interface ImageRef {
  /** Registry host with port; undefined for Docker Hub short names. */
  host?: string;
  /** Repository path without host, tag or digest. */
  path: string;
  /** host/path as written, without tag or digest. */
  name: string;
  tag?: string;
  digest?: string;
}

export function parseImageRef(reference: string): ImageRef | undefined {
  const ref = reference.trim().replace(/^["']|["']$/g, '');
  if (!ref || /\s/.test(ref)) return undefined;
  let rest = ref;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at !== -1) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
  }
  let host: string | undefined;
  const slash = rest.indexOf('/');
  if (slash !== -1) {
    const first = rest.slice(0, slash);
    if (first.includes('.') || first.includes(':') || first === 'localhost') {
      host = first;
      rest = rest.slice(slash + 1);
    }
  }
  let tag: string | undefined;
  const colon = rest.lastIndexOf(':');
  if (colon !== -1 && !rest.slice(colon).includes('/')) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
  }
  if (!rest) return undefined;
  const parsed: ImageRef = { path: rest, name: host ? `${host}/${rest}` : rest };
  if (host) parsed.host = host;
  if (tag) parsed.tag = tag;
  if (digest) parsed.digest = digest;
  return parsed;
}

/**
 * Completes image fields from whatever a pattern captured: `image` (often
 * without tag), `imageRef` (a full reference from a nearby line), or
 * `registry` + `repository` (from a /v2/<repository>/manifests URL).
 */
export function deriveImageFields(fields: Record<string, string>): Record<string, string> {
  if (!fields.image && !fields.imageRef && !(fields.registry && fields.repository)) return fields;
  const out = { ...fields };
  const image = fields.image ? parseImageRef(fields.image) : undefined;
  const ref = fields.imageRef ? parseImageRef(fields.imageRef) : undefined;
  delete out.imageRef;
  if (image) {
    out.image = image.name;
    const sameImage = ref && ref.name.toLowerCase() === image.name.toLowerCase();
    const tag = fields.tag ?? image.tag ?? (sameImage ? ref.tag : undefined);
    if (tag) out.tag = tag;
    const digest = image.digest ?? (sameImage ? ref.digest : undefined);
    if (digest) out.digest = digest;
    out.registry = fields.registry ?? image.host ?? 'docker.io';
  } else if (ref) {
    out.image = ref.name;
    if (!fields.tag && ref.tag) out.tag = ref.tag;
    if (ref.digest) out.digest = ref.digest;
    out.registry = fields.registry ?? ref.host ?? 'docker.io';
  } else if (fields.registry && fields.repository) {
    out.image = `${fields.registry}/${fields.repository}`;
  }
  return out;
}
