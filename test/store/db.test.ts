import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/store/db.js';
import { StoreError } from '../../src/store/errors.js';
import { migrate } from '../../src/store/migrate.js';
import { migrations } from '../../src/store/migrations/index.js';
import type { Migration } from '../../src/store/migrations/migration.js';
import { makeTempDir } from './open-test-store.js';

const LATEST = migrations.at(-1)?.version ?? 0;

function readPragma(file: string, pragma: string): unknown {
  const db = new Database(file, { readonly: true });
  try {
    return db.pragma(pragma, { simple: true });
  } finally {
    db.close();
  }
}

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}

describe('migrations list', () => {
  it('numbers versions from 1 up by one, with names and SQL', () => {
    expect(migrations.map((migration) => migration.version)).toEqual(
      migrations.map((_, index) => index + 1),
    );
    for (const migration of migrations) {
      expect(migration.name).toMatch(/^[a-z0-9-]+$/);
      expect(migration.sql.trim()).not.toBe('');
    }
  });

  it('has no column that could hold a token or secret', () => {
    const sql = migrations.map((migration) => migration.sql).join('\n');

    expect(sql).not.toMatch(/token|secret|password/i);
  });
});

describe('openDatabase', () => {
  let temp: ReturnType<typeof makeTempDir>;

  beforeEach(() => {
    temp = makeTempDir();
  });

  afterEach(() => {
    temp.remove();
  });

  it('opens :memory: with every migration applied', () => {
    const store = openDatabase(':memory:');

    store.meta.setMeta('k', 'v');

    expect(store.meta.getMeta('k')).toBe('v');
    expect(store.path).toBe(':memory:');
    store.close();
  });

  it('creates the parent folders, uses WAL and records the schema version', () => {
    const file = path.join(temp.dir, 'a', 'b', 'diagnoser.db');

    const store = openDatabase(file);
    store.close();

    expect(fs.existsSync(file)).toBe(true);
    expect(readPragma(file, 'journal_mode')).toBe('wal');
    expect(readPragma(file, 'user_version')).toBe(LATEST);
  });

  it('enforces foreign keys', () => {
    const store = openDatabase(path.join(temp.dir, 'fk.db'));

    expect(() =>
      store.occurrences.addOccurrence({
        incidentId: 999,
        projectId: 1,
        pipelineId: 1,
        jobId: 1,
        jobName: 'build',
        jobUrl: 'https://gitlab.example.com/a/b/-/jobs/1',
        pipelineUrl: 'https://gitlab.example.com/a/b/-/pipelines/1',
        ref: 'main',
        sha: 'abc',
        failedAt: '2025-01-01T00:00:00Z',
      }),
    ).toThrow(/FOREIGN KEY/);
    store.close();
  });

  it('keeps data on reopen and does not run migrations again', () => {
    const file = path.join(temp.dir, 'diagnoser.db');
    const first = openDatabase(file);
    first.cursors.setCursor(7, 100);
    first.close();

    // The initial migration has plain CREATE TABLEs: running it twice would throw.
    const second = openDatabase(file);

    expect(second.cursors.getCursor(7)).toBe(100);
    second.close();
    expect(readPragma(file, 'user_version')).toBe(LATEST);
  });

  it('lets two connections share one file', () => {
    const file = path.join(temp.dir, 'shared.db');
    const a = openDatabase(file);
    const b = openDatabase(file);

    a.meta.setMeta('last-cycle', '2025-01-01T00:00:00.000Z');

    expect(b.meta.getMeta('last-cycle')).toBe('2025-01-01T00:00:00.000Z');
    a.close();
    b.close();
  });

  it('refuses a database written by a newer release, naming the file', () => {
    const file = path.join(temp.dir, 'newer.db');
    openDatabase(file).close();
    const raw = new Database(file);
    raw.pragma(`user_version = ${LATEST + 5}`);
    raw.close();

    const error = thrown(() => openDatabase(file));

    expect(error).toBeInstanceOf(StoreError);
    expect((error as StoreError).path).toBe(file);
    expect((error as Error).message).toContain(file);
    expect((error as Error).message).toMatch(/newer release.*Upgrade pipeline-diagnoser/);
    expect(readPragma(file, 'user_version')).toBe(LATEST + 5);
  });

  it('reports a file that is not a database with its path and the fix', () => {
    const file = path.join(temp.dir, 'garbage.db');
    fs.writeFileSync(file, 'this is not an SQLite database\n'.repeat(100));

    const error = thrown(() => openDatabase(file));

    expect(error).toBeInstanceOf(StoreError);
    expect((error as Error).message).toContain(file);
    expect((error as Error).message).toMatch(/not a readable SQLite database.*move it aside/);
  });

  it('reports a folder given as the database path', () => {
    const error = thrown(() => openDatabase(temp.dir));

    expect(error).toBeInstanceOf(StoreError);
    expect((error as Error).message).toContain(temp.dir);
    expect((error as Error).message).toMatch(/names a file, not a folder/);
  });

  it('refuses an empty path instead of opening a throw-away database', () => {
    expect(() => openDatabase('')).toThrow(/DIAGNOSER_DB/);
  });

  it('commits a transaction as a whole or not at all', () => {
    const store = openDatabase(':memory:');

    expect(() =>
      store.transaction(() => {
        store.meta.setMeta('a', '1');
        throw new Error('boom');
      }),
    ).toThrow('boom');
    const result = store.transaction(() => {
      store.meta.setMeta('b', '2');
      return 'done';
    });

    expect(store.meta.getMeta('a')).toBeUndefined();
    expect(store.meta.getMeta('b')).toBe('2');
    expect(result).toBe('done');
    store.close();
  });
});

describe('migrate', () => {
  const one: Migration = { version: 1, name: 'one', sql: 'CREATE TABLE one (x INTEGER)' };
  const two: Migration = { version: 2, name: 'two', sql: 'CREATE TABLE two (x INTEGER)' };
  let db: Database.Database;

  beforeEach(() => {
    db = new Database(':memory:');
  });

  afterEach(() => {
    db.close();
  });

  it('applies pending migrations once, in order', () => {
    expect(migrate(db, [one], 'test.db')).toEqual({ from: 0, to: 1, applied: [1] });
    expect(migrate(db, [one, two], 'test.db')).toEqual({ from: 1, to: 2, applied: [2] });
    expect(migrate(db, [one, two], 'test.db')).toEqual({ from: 2, to: 2, applied: [] });
  });

  it('leaves the database unchanged when a migration fails', () => {
    const broken: Migration = {
      version: 2,
      name: 'broken',
      sql: 'CREATE TABLE half (x INTEGER); CREATE TABLE one (x INTEGER)',
    };
    migrate(db, [one], 'test.db');

    expect(() => migrate(db, [one, broken], 'test.db')).toThrow(
      /Migration 002-broken failed on test\.db/,
    );
    expect(db.pragma('user_version', { simple: true })).toBe(1);
    expect(db.prepare("SELECT name FROM sqlite_master WHERE name = 'half'").get()).toBe(undefined);
  });

  it('rejects a list whose versions skip or repeat', () => {
    expect(() => migrate(db, [one, { ...two, version: 3 }], 'test.db')).toThrow(/expected 2/);
  });
});
