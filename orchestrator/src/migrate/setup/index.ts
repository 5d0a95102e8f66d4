export { loadMigrateManifest, parseMigrateManifest, type ManifestLoadFailure } from './manifest.js';
export { ENTRY_NAME, ENTRY_NAME_RULE, MIGRATE_INDEX_SCHEMA, MigrateIndex, MigrateManifest, type MigrateConnector, type MigrateMcpServer } from './schema.js';
export { migrateFiles, setupMigration, type SetupDone, type SetupFailure } from './setup.js';
