import { lineAt } from '../read-rules.js';
import type { DataStore, DataStoreKind, Fact } from '../schema.js';
import type { ScannedFile } from '../tree.js';
import { at, FactSet } from './facts.js';
import { depAt, type Ecosystem, type Manifest } from './manifests.js';

/**
 * Frameworks and data stores: from dependencies (a table per ecosystem), and from the files that
 * carry them without a dependency (migration folders, Prisma schemas, compose service images,
 * connection URLs in configs). The tables are the rules; adding a framework is adding a row.
 */

type Kind = 'framework' | DataStoreKind;

/** A dependency name (exact, or a pattern), what it means, and its name in the report. */
interface DepRule {
  readonly ecosystem: Ecosystem;
  readonly dep: string | RegExp;
  readonly kind: Kind;
  readonly name: string;
}

const r = (ecosystem: Ecosystem, kind: Kind, name: string, ...deps: (string | RegExp)[]): DepRule[] => deps.map((dep) => ({ ecosystem, dep, kind, name }));

export const DEP_RULES: readonly DepRule[] = [
  // Node
  ...r('node', 'framework', 'express', 'express'),
  ...r('node', 'framework', 'fastify', 'fastify'),
  ...r('node', 'framework', 'koa', 'koa'),
  ...r('node', 'framework', 'hapi', '@hapi/hapi'),
  ...r('node', 'framework', 'nestjs', '@nestjs/core'),
  ...r('node', 'framework', 'next', 'next'),
  ...r('node', 'framework', 'nuxt', 'nuxt'),
  ...r('node', 'framework', 'react', 'react'),
  ...r('node', 'framework', 'vue', 'vue'),
  ...r('node', 'framework', 'angular', '@angular/core'),
  ...r('node', 'framework', 'svelte', 'svelte'),
  ...r('node', 'framework', 'remix', /^@remix-run\/(?:node|react)$/),
  ...r('node', 'framework', 'electron', 'electron'),
  ...r('node', 'database', 'postgresql', 'pg', 'postgres', 'pg-promise'),
  ...r('node', 'database', 'mysql', 'mysql', 'mysql2'),
  ...r('node', 'database', 'mariadb', 'mariadb'),
  ...r('node', 'database', 'sqlite', 'sqlite3', 'better-sqlite3'),
  ...r('node', 'database', 'mongodb', 'mongodb', 'mongoose'),
  ...r('node', 'database', 'redis', 'redis', 'ioredis'),
  ...r('node', 'orm', 'prisma', 'prisma', '@prisma/client'),
  ...r('node', 'orm', 'sequelize', 'sequelize'),
  ...r('node', 'orm', 'typeorm', 'typeorm'),
  ...r('node', 'orm', 'knex', 'knex'),
  ...r('node', 'orm', 'drizzle', 'drizzle-orm'),
  ...r('node', 'orm', 'mongoose', 'mongoose'),
  ...r('node', 'orm', 'mikro-orm', '@mikro-orm/core'),
  ...r('node', 'orm', 'objection', 'objection'),
  ...r('node', 'orm', 'kysely', 'kysely'),
  ...r('node', 'migrations', 'sequelize-cli', 'sequelize-cli'),
  ...r('node', 'migrations', 'drizzle-kit', 'drizzle-kit'),
  ...r('node', 'migrations', 'node-pg-migrate', 'node-pg-migrate'),
  ...r('node', 'migrations', 'db-migrate', 'db-migrate'),
  ...r('node', 'migrations', 'umzug', 'umzug'),
  // Python
  ...r('python', 'framework', 'django', 'django'),
  ...r('python', 'framework', 'django-rest-framework', 'djangorestframework'),
  ...r('python', 'framework', 'flask', 'flask'),
  ...r('python', 'framework', 'fastapi', 'fastapi'),
  ...r('python', 'framework', 'starlette', 'starlette'),
  ...r('python', 'framework', 'celery', 'celery'),
  ...r('python', 'framework', 'tornado', 'tornado'),
  ...r('python', 'framework', 'aiohttp', 'aiohttp'),
  ...r('python', 'framework', 'pyramid', 'pyramid'),
  ...r('python', 'database', 'postgresql', 'psycopg2', 'psycopg2-binary', 'psycopg', 'asyncpg'),
  ...r('python', 'database', 'mysql', 'mysqlclient', 'pymysql', 'mysql-connector-python'),
  ...r('python', 'database', 'mongodb', 'pymongo', 'motor', 'mongoengine'),
  ...r('python', 'database', 'redis', 'redis', 'django-redis'),
  ...r('python', 'orm', 'sqlalchemy', 'sqlalchemy', 'flask-sqlalchemy'),
  ...r('python', 'orm', 'peewee', 'peewee'),
  ...r('python', 'orm', 'tortoise-orm', 'tortoise-orm'),
  ...r('python', 'migrations', 'alembic', 'alembic', 'flask-migrate'),
  // Go
  ...r('go', 'framework', 'gin', 'github.com/gin-gonic/gin'),
  ...r('go', 'framework', 'echo', /^github\.com\/labstack\/echo(?:\/v\d+)?$/),
  ...r('go', 'framework', 'fiber', /^github\.com\/gofiber\/fiber(?:\/v\d+)?$/),
  ...r('go', 'framework', 'chi', /^github\.com\/go-chi\/chi(?:\/v\d+)?$/),
  ...r('go', 'framework', 'gorilla-mux', 'github.com/gorilla/mux'),
  ...r('go', 'framework', 'grpc', 'google.golang.org/grpc'),
  ...r('go', 'database', 'postgresql', 'github.com/lib/pq', /^github\.com\/jackc\/pgx(?:\/v\d+)?$/),
  ...r('go', 'database', 'mysql', 'github.com/go-sql-driver/mysql'),
  ...r('go', 'database', 'sqlite', 'github.com/mattn/go-sqlite3', 'modernc.org/sqlite'),
  ...r('go', 'database', 'mongodb', 'go.mongodb.org/mongo-driver'),
  ...r('go', 'database', 'redis', /^github\.com\/(?:redis|go-redis)\/(?:go-)?redis(?:\/v\d+)?$/),
  ...r('go', 'orm', 'gorm', 'gorm.io/gorm'),
  ...r('go', 'orm', 'ent', 'entgo.io/ent'),
  ...r('go', 'orm', 'sqlx', 'github.com/jmoiron/sqlx'),
  ...r('go', 'migrations', 'golang-migrate', /^github\.com\/golang-migrate\/migrate(?:\/v\d+)?$/),
  ...r('go', 'migrations', 'goose', /^github\.com\/pressly\/goose(?:\/v\d+)?$/),
  // Rust
  ...r('rust', 'framework', 'actix', 'actix-web'),
  ...r('rust', 'framework', 'axum', 'axum'),
  ...r('rust', 'framework', 'rocket', 'rocket'),
  ...r('rust', 'framework', 'warp', 'warp'),
  ...r('rust', 'database', 'postgresql', 'tokio-postgres', 'postgres'),
  ...r('rust', 'database', 'sqlite', 'rusqlite'),
  ...r('rust', 'database', 'redis', 'redis'),
  ...r('rust', 'database', 'mongodb', 'mongodb'),
  ...r('rust', 'orm', 'sqlx', 'sqlx'),
  ...r('rust', 'orm', 'diesel', 'diesel'),
  ...r('rust', 'orm', 'sea-orm', 'sea-orm'),
  // Ruby
  ...r('ruby', 'framework', 'rails', 'rails'),
  ...r('ruby', 'framework', 'sinatra', 'sinatra'),
  ...r('ruby', 'framework', 'hanami', 'hanami'),
  ...r('ruby', 'framework', 'sidekiq', 'sidekiq'),
  ...r('ruby', 'database', 'postgresql', 'pg'),
  ...r('ruby', 'database', 'mysql', 'mysql2'),
  ...r('ruby', 'database', 'sqlite', 'sqlite3'),
  ...r('ruby', 'database', 'redis', 'redis'),
  ...r('ruby', 'database', 'mongodb', 'mongoid'),
  ...r('ruby', 'orm', 'activerecord', 'activerecord', 'rails'),
  ...r('ruby', 'orm', 'sequel', 'sequel'),
  // Java and Kotlin (Maven group:artifact; Gradle plugins and Maven parents as markers)
  ...r('java', 'framework', 'spring-boot', /^org\.springframework\.boot(?::|$)/),
  ...r('java', 'framework', 'quarkus', /^io\.quarkus(?::|$)/),
  ...r('java', 'framework', 'micronaut', /^io\.micronaut(?::|\.|$)/),
  ...r('java', 'database', 'postgresql', 'org.postgresql:postgresql'),
  ...r('java', 'database', 'mysql', 'mysql:mysql-connector-java', 'com.mysql:mysql-connector-j'),
  ...r('java', 'database', 'h2', 'com.h2database:h2'),
  ...r('java', 'database', 'mongodb', /^org\.mongodb:/, 'org.springframework.boot:spring-boot-starter-data-mongodb'),
  ...r('java', 'database', 'redis', 'redis.clients:jedis', 'io.lettuce:lettuce-core', 'org.springframework.boot:spring-boot-starter-data-redis'),
  ...r('java', 'orm', 'jpa', 'org.springframework.boot:spring-boot-starter-data-jpa', 'jakarta.persistence:jakarta.persistence-api'),
  ...r('java', 'orm', 'hibernate', /^org\.hibernate(?:\.orm)?:hibernate-core$/),
  ...r('java', 'orm', 'mybatis', /^org\.mybatis/),
  ...r('java', 'migrations', 'flyway', /^org\.flywaydb:/),
  ...r('java', 'migrations', 'liquibase', /^org\.liquibase:/),
  // PHP
  ...r('php', 'framework', 'laravel', 'laravel/framework'),
  ...r('php', 'framework', 'symfony', 'symfony/framework-bundle'),
  ...r('php', 'framework', 'slim', 'slim/slim'),
  ...r('php', 'orm', 'doctrine', 'doctrine/orm'),
  ...r('php', 'orm', 'eloquent', 'illuminate/database', 'laravel/framework'),
  ...r('php', 'migrations', 'doctrine-migrations', 'doctrine/doctrine-migrations-bundle', 'doctrine/migrations'),
  ...r('php', 'database', 'redis', 'predis/predis'),
];

/** Service images (the last part of the image's name, without its tag) that are data stores. */
const IMAGES: readonly (readonly [RegExp, string])[] = [
  [/^(?:postgres|postgis|timescaledb)$/, 'postgresql'],
  [/^mysql$/, 'mysql'],
  [/^mariadb$/, 'mariadb'],
  [/^mongo(?:db)?$/, 'mongodb'],
  [/^(?:redis|valkey|redis-stack)$/, 'redis'],
  [/^(?:elasticsearch|opensearch)$/, 'elasticsearch'],
  [/^memcached$/, 'memcached'],
  [/^cassandra$/, 'cassandra'],
  [/^clickhouse(?:-server)?$/, 'clickhouse'],
  [/^(?:mssql|server)$/, 'sql-server'],
];

/** Connection URLs in configuration (`DATABASE_URL=postgres://…`, `jdbc:mysql://…`). */
const URLS: readonly (readonly [RegExp, string])[] = [
  [/\bpostgres(?:ql)?(?:\+\w+)?:\/\//i, 'postgresql'],
  [/\bmysql(?:\+\w+)?:\/\//i, 'mysql'],
  [/\bmariadb:\/\//i, 'mariadb'],
  [/\bmongodb(?:\+srv)?:\/\//i, 'mongodb'],
  [/\brediss?:\/\//i, 'redis'],
  [/\bsqlite:\/\/|\bjdbc:sqlite:/i, 'sqlite'],
];

/** An ORM's dialect setting in configuration (sequelize's and knex's `"dialect": "mysql"`, `client: pg`). */
const DIALECT = /(?:^|[{,\s])["']?(?:dialect|client)["']?\s*[:=]\s*["']?(postgres(?:ql)?|pg|mysql2?|mariadb|sqlite3?|mssql)\b/g;
const DIALECTS: Readonly<Record<string, string>> = {
  postgres: 'postgresql',
  postgresql: 'postgresql',
  pg: 'postgresql',
  mysql: 'mysql',
  mysql2: 'mysql',
  mariadb: 'mariadb',
  sqlite: 'sqlite',
  sqlite3: 'sqlite',
  mssql: 'sql-server',
};

export interface Stack {
  readonly frameworks: Fact[];
  readonly dataStores: DataStore[];
}

/**
 * `namesImages`: whether a file's `image:` lines name the services it runs (compose files,
 * Kubernetes manifests, CI service containers); the caller knows which files those are.
 */
export function detectStack(files: readonly ScannedFile[], manifests: readonly Manifest[], namesImages: (file: ScannedFile) => boolean): Stack {
  const frameworks = new FactSet();
  const stores = { database: new FactSet(), orm: new FactSet(), migrations: new FactSet() };
  const found = (kind: Kind, name: string, path: string, line: number | null): void => (kind === 'framework' ? frameworks : stores[kind]).add(name, at(path, line));

  for (const m of manifests) {
    for (const dep of [...m.deps, ...m.devDeps, ...m.markers]) {
      for (const rule of DEP_RULES) {
        if (rule.ecosystem !== m.ecosystem) continue;
        if (typeof rule.dep === 'string' ? rule.dep === dep.name : rule.dep.test(dep.name)) (rule.kind === 'framework' ? frameworks : stores[rule.kind]).add(rule.name, depAt(m, dep));
      }
    }
  }

  const paths = new Set(files.map((f) => f.path));
  const goProject = manifests.some((m) => m.ecosystem === 'go');
  for (const file of files) {
    const p = file.path;
    if (/(?:^|\/)schema\.prisma$/.test(p)) {
      found('orm', 'prisma', p, null);
      const provider = /datasource\s+\w+\s*\{[^}]*?provider\s*=\s*"(\w+)"/.exec(file.text ?? '');
      if (provider) found('database', provider[1] === 'postgres' ? 'postgresql' : (provider[1] as string), p, lineAt(file.text ?? '', provider.index + provider[0].length));
    }
    if (/(?:^|\/)prisma\/migrations\/[^/]+\/migration\.sql$/.test(p)) found('migrations', 'prisma-migrate', p, null);
    if (/(?:^|\/)migrations\/\d{4}_[\w]+\.py$/.test(p) && paths.has(p.replace(/[^/]+$/, '__init__.py'))) found('migrations', 'django-migrations', p, null);
    if (/(?:^|\/)alembic\.ini$|(?:^|\/)alembic\/env\.py$|(?:^|\/)migrations\/alembic\.ini$/.test(p)) found('migrations', 'alembic', p, null);
    if (/(?:^|\/)db\/migrate\/\d+_\w+\.rb$/.test(p)) found('migrations', 'activerecord', p, null);
    if (/(?:^|\/)db\/migration\/V\d+(?:_\d+)*__\w+\.sql$|(?:^|\/)flyway\.conf$/.test(p)) found('migrations', 'flyway', p, null);
    if (/(?:^|\/)liquibase\.properties$|(?:^|\/)db\/changelog\/[^/]+\.(?:xml|ya?ml|sql)$/.test(p)) found('migrations', 'liquibase', p, null);
    if (/(?:^|\/)database\/migrations\/[^/]+\.php$/.test(p)) found('migrations', 'laravel-migrations', p, null);
    if (/(?:^|\/)diesel\.toml$/.test(p)) found('migrations', 'diesel', p, null);
    if (/(?:^|\/)\.sequelizerc$/.test(p)) found('migrations', 'sequelize-cli', p, null);
    if (/(?:^|\/)knexfile\.[cm]?[jt]s$/.test(p)) found('migrations', 'knex', p, null);
    if (/(?:^|\/)\d+_[\w-]+\.up\.sql$/.test(p) && paths.has(p.replace(/\.up\.sql$/, '.down.sql'))) found('migrations', goProject ? 'golang-migrate' : 'sql-migrations', p, null);
    if (file.text === null) continue;
    if (namesImages(file)) {
      forEachLine(file.text, (line, n) => {
        const image = /^\s*-?\s*image:\s*["']?([\w.\-/]+?)(?::[\w.-]+)?(?:@\S+)?["']?\s*$/.exec(line);
        const name = image ? (image[1] as string).split('/').pop() : undefined;
        const store = name === undefined ? undefined : IMAGES.find(([re]) => re.test(name));
        if (store) found('database', store[1], p, n);
      });
    }
    if (isConfig(p)) {
      forEachLine(file.text, (line, n) => {
        for (const [re, name] of URLS) if (re.test(line)) found('database', name, p, n);
        // JSON puts a whole config on one line as often as not: each dialect setting of the line counts.
        for (const m of line.matchAll(DIALECT)) {
          const name = DIALECTS[m[1] as string];
          if (name !== undefined) found('database', name, p, n);
        }
      });
    }
  }

  const dataStores: DataStore[] = (['database', 'orm', 'migrations'] as const).flatMap((kind) => stores[kind].list().map((f) => ({ name: f.name, kind, evidence: f.evidence })));
  return { frameworks: frameworks.list(), dataStores };
}

/** Configuration files whose connection URLs name a database (never source code: a URL in a test is not a deployment). */
function isConfig(path: string): boolean {
  return /\.(?:ya?ml|toml|ini|cfg|env|properties|json)$/.test(path) || /(?:^|\/)\.env\.(?:example|sample|template|dist)$/.test(path);
}

export function forEachLine(text: string, each: (line: string, n: number) => void): void {
  let start = 0;
  let n = 1;
  while (start <= text.length) {
    const end = text.indexOf('\n', start);
    each(text.slice(start, end === -1 ? text.length : end), n);
    if (end === -1) break;
    start = end + 1;
    n++;
  }
}
