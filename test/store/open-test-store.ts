import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openDatabase } from '../../src/store/db.js';
import type { Store } from '../../src/store/store.js';

export type StoreKind = 'memory' | 'file';

export interface TestStore {
  store: Store;
  /** A manual clock: `tick(ms)` moves it on. */
  tick(ms?: number): void;
  cleanup(): void;
}

/** The kinds every repository test runs on. */
export const STORE_KINDS: readonly StoreKind[] = ['memory', 'file'];

/** Makes a temp folder (under os.tmpdir()) and returns it with its remover. */
export function makeTempDir(): { dir: string; remove(): void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'diagnoser-store-'));
  return {
    dir,
    remove() {
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Opens a store with all migrations and a clock starting at 2025-01-01T00:00:00Z. */
export function openTestStore(kind: StoreKind): TestStore {
  let time = Date.parse('2025-01-01T00:00:00.000Z');
  const temp = kind === 'file' ? makeTempDir() : undefined;
  const file = temp ? path.join(temp.dir, 'nested', 'diagnoser.db') : ':memory:';
  const store = openDatabase(file, { now: () => new Date(time) });
  return {
    store,
    tick(ms = 1000) {
      time += ms;
    },
    cleanup() {
      store.close();
      temp?.remove();
    },
  };
}
