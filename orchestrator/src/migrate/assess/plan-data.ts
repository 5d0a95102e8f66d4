import type { DataStore } from './schema.js';

/**
 * The commands the data-migration phase and the rollback give for each database and migration
 * tool: a backup before anything changes, its restore, and each tool's status and apply commands.
 * Connection details are left to environment variables the operator sets; the plan never guesses them.
 */

/** The branch the migration's changes live on until they are merged. */
export const BRANCH = 'migrate/codex-orchestrator';
/** The first task graph the plan has the project run. */
export const PILOT_GRAPH = 'tasks/migration-pilot.yaml';

interface DatabaseCommands {
  readonly backup: string;
  readonly restore: string;
}

const DATABASES: Readonly<Record<string, DatabaseCommands>> = {
  postgresql: {
    backup: 'pg_dump --format=custom --file=backup-postgresql.dump "$DATABASE_URL"',
    restore: 'pg_restore --clean --if-exists --dbname="$DATABASE_URL" backup-postgresql.dump',
  },
  mysql: {
    backup: 'mysqldump --single-transaction --routines --triggers --result-file=backup-mysql.sql "$MYSQL_DATABASE"',
    restore: 'mysql "$MYSQL_DATABASE" < backup-mysql.sql',
  },
  mariadb: {
    backup: 'mariadb-dump --single-transaction --routines --triggers --result-file=backup-mariadb.sql "$MYSQL_DATABASE"',
    restore: 'mariadb "$MYSQL_DATABASE" < backup-mariadb.sql',
  },
  mongodb: {
    backup: 'mongodump --uri="$MONGODB_URI" --archive=backup-mongodb.archive',
    restore: 'mongorestore --uri="$MONGODB_URI" --drop --archive=backup-mongodb.archive',
  },
  sqlite: {
    backup: 'sqlite3 "$SQLITE_FILE" ".backup backup.sqlite"',
    restore: 'cp backup.sqlite "$SQLITE_FILE"',
  },
  redis: {
    backup: 'redis-cli --rdb backup-redis.rdb',
    restore: 'cp backup-redis.rdb "$REDIS_DIR/dump.rdb"  # with the server stopped',
  },
};

export function backupCommand(name: string): string {
  return DATABASES[name]?.backup ?? `# ${name}: take a snapshot with its own backup tool`;
}

export function restoreCommand(name: string): string {
  return DATABASES[name]?.restore ?? `# ${name}: restore the snapshot with its own tool`;
}

interface ToolCommands {
  readonly status: string;
  readonly apply: string;
}

/** Status and apply commands of migration tools and ORMs that migrate; `{dir}` is the folder of the tool's first evidence. */
const TOOLS: Readonly<Record<string, ToolCommands>> = {
  prisma: { status: 'npx prisma migrate status', apply: 'npx prisma migrate deploy' },
  'prisma-migrate': { status: 'npx prisma migrate status', apply: 'npx prisma migrate deploy' },
  sequelize: { status: 'npx sequelize-cli db:migrate:status', apply: 'npx sequelize-cli db:migrate' },
  'sequelize-cli': { status: 'npx sequelize-cli db:migrate:status', apply: 'npx sequelize-cli db:migrate' },
  typeorm: { status: 'npx typeorm migration:show', apply: 'npx typeorm migration:run' },
  knex: { status: 'npx knex migrate:status', apply: 'npx knex migrate:latest' },
  drizzle: { status: 'npx drizzle-kit check', apply: 'npx drizzle-kit migrate' },
  'drizzle-kit': { status: 'npx drizzle-kit check', apply: 'npx drizzle-kit migrate' },
  'django-migrations': { status: 'python manage.py showmigrations', apply: 'python manage.py migrate' },
  alembic: { status: 'alembic current', apply: 'alembic upgrade head' },
  activerecord: { status: 'bin/rails db:migrate:status', apply: 'bin/rails db:migrate' },
  flyway: { status: 'flyway info', apply: 'flyway migrate' },
  liquibase: { status: 'liquibase status', apply: 'liquibase update' },
  'golang-migrate': { status: 'migrate -path {dir} -database "$DATABASE_URL" version', apply: 'migrate -path {dir} -database "$DATABASE_URL" up' },
  goose: { status: 'goose status', apply: 'goose up' },
  diesel: { status: 'diesel migration list', apply: 'diesel migration run' },
  sqlx: { status: 'sqlx migrate info', apply: 'sqlx migrate run' },
  'laravel-migrations': { status: 'php artisan migrate:status', apply: 'php artisan migrate' },
  'doctrine-migrations': { status: 'php bin/console doctrine:migrations:status', apply: 'php bin/console doctrine:migrations:migrate' },
};

/** The tools of a detection that migrate schemas, with their commands (ORMs without a migration command are left out). */
export function migrationTools(stores: readonly DataStore[]): { name: string; status: string; apply: string }[] {
  const seen = new Set<string>();
  return stores.flatMap((s) => {
    const tool = TOOLS[s.name];
    if (s.kind === 'database' || tool === undefined) return [];
    const fill = (c: string): string => c.replace('{dir}', dirOf(s.evidence[0]?.path ?? 'migrations/x'));
    const entry = { name: s.name, status: fill(tool.status), apply: fill(tool.apply) };
    // Two names for one tool (prisma and prisma-migrate) give one set of commands.
    if (seen.has(entry.status)) return [];
    seen.add(entry.status);
    return [entry];
  });
}

function dirOf(p: string): string {
  const slash = p.lastIndexOf('/');
  return slash === -1 ? '.' : p.slice(0, slash);
}
