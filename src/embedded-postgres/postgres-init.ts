/**
 * Creates a new embedded PostgreSQL data folder (PGlite's initdb and a first start) in a child process of its own
 * and exits: see initializeDataDir in postgres.ts. argv[2]: the data folder.
 */
import { PGlite } from '@electric-sql/pglite';
import { EMBEDDED_POSTGRES_CONF } from './postgres-conf.js';

const dataDir = process.argv[2];
if (!dataDir) throw new Error('postgres-init: no data folder given');
const db = await PGlite.create({ dataDir, postgresqlconf: EMBEDDED_POSTGRES_CONF });
await db.close();
