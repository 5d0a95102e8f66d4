import type { z } from 'zod';
import type { Diagnostic, SourcePosition } from '../../core/source-position.js';
import { ENTRY_NAME_RULE, MigrateConnector, MigrateManifest, MigrateMcpServer } from './schema.js';
import type { DataPath, TextSpan, TomlPositions } from './toml-positions.js';

type Issue = z.core.$ZodIssue;

/**
 * zod's issues about a manifest worded for the person who edits it: the entry named as they
 * named it (`connector "github"`), the key as written, the value quoted, the place in the file,
 * and what to write instead.
 */
export function manifestDiagnostics(file: string, issues: readonly Issue[], data: unknown, positions: TomlPositions): Diagnostic[] {
  const at = (span: TextSpan): SourcePosition => ({ file, ...span });
  const out: Diagnostic[] = [];
  for (const issue of issues) {
    const path = issue.path.filter((s): s is string | number => typeof s !== 'symbol');
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        out.push({ position: at(positions.keyAt([...path, key])), message: `unknown key ${JSON.stringify(key)} ${where(path, data)}`, hint: `the keys allowed ${allowedHere(path)}` });
      }
      continue;
    }
    const key = path.at(-1);
    const parent = valueAt(data, path.slice(0, -1));
    if (typeof key === 'string' && isRecord(parent) && !Object.hasOwn(parent, key)) {
      out.push({
        position: at(positions.missingAt(path.slice(0, -1))),
        message: `missing required key ${JSON.stringify(key)} ${where(path.slice(0, -1), data)}`,
        hint: MISSING_HINTS[key] ?? HINTS[key] ?? `add ${key} = …`,
      });
      continue;
    }
    if (issue.code === 'custom' && issue.message === 'duplicate-name') {
      const list = path[0] === 'mcp' ? 'mcp' : 'connectors';
      const first = Number((issue.params as { first?: unknown } | undefined)?.first ?? 0);
      out.push({
        position: at(positions.valueAt(path)),
        message: `${list === 'mcp' ? 'MCP server' : 'connector'} name ${JSON.stringify(valueAt(data, path))} is used twice`,
        hint: `give each ${list === 'mcp' ? '[[mcp]]' : '[[connectors]]'} entry its own name, or merge the two`,
        related: [{ position: at(positions.valueAt([list, first, 'name'])), message: 'first used here' }],
      });
      continue;
    }
    out.push(valueDiagnostic(issue, path, data, at(positions.valueAt(path))));
  }
  return out;
}

function valueDiagnostic(issue: Issue, path: DataPath, data: unknown, position: SourcePosition): Diagnostic {
  const value = valueAt(data, path);
  const name = JSON.stringify(label(path));
  const got = `(got ${describe(value)})`;
  const key = [...path].reverse().find((s): s is string => typeof s === 'string') ?? '';
  const hint = HINTS[key];
  const withHint = (message: string): Diagnostic => (hint === undefined ? { position, message } : { position, message, hint });
  switch (issue.code) {
    case 'invalid_type':
      return withHint(`${name} must be ${EXPECTED[issue.expected] ?? issue.expected} ${got}`);
    case 'invalid_value':
      return withHint(`${name} must be ${issue.values.map((v) => JSON.stringify(v)).join(' or ')} ${got}`);
    case 'too_small':
      return withHint(issue.origin === 'string' ? `${name} must not be empty` : `${name} is too small ${got}`);
    case 'too_big':
      return withHint(`${name} must be at most ${String(issue.maximum)} characters ${got}`);
    case 'invalid_format':
      return withHint(`${name} must be ${issue.message} ${got}`);
    default:
      return withHint(`${name} is not valid: ${issue.message} ${got}`);
  }
}

const HINTS: Readonly<Record<string, string>> = {
  version: `1 is the only manifest version there is; write version = 1`,
  name: `write ${ENTRY_NAME_RULE}, e.g. name = "orders-db"`,
  description: 'say in a sentence what the system is, e.g. description = "the orders PostgreSQL database"',
  env: 'write a list of variable names, e.g. env = ["ORDERS_DATABASE_URL"]; names only, never values',
  command: 'write the program that starts the server, e.g. command = "npx"',
  args: 'write a list of strings, e.g. args = ["-y", "@modelcontextprotocol/server-filesystem", "."]',
  connectors: 'write each connector as a [[connectors]] table with name, description and env',
  mcp: 'write each MCP server as an [[mcp]] table with name, command and args',
};

const MISSING_HINTS: Readonly<Record<string, string>> = {
  version: 'add version = 1 at the top of the file',
  env: 'add env = [] or the list of variable names that reach the system, e.g. env = ["ORDERS_DATABASE_URL"]',
  args: 'add args = [] or the list of the arguments, e.g. args = ["-y", "@modelcontextprotocol/server-filesystem", "."]',
};

const EXPECTED: Readonly<Record<string, string>> = {
  string: 'a string',
  number: 'a number',
  boolean: 'true or false',
  array: 'a list',
  object: 'a table',
};

function allowedHere(path: DataPath): string {
  if (path[0] === 'connectors') return `in a [[connectors]] entry are: ${Object.keys(MigrateConnector.shape).join(', ')}`;
  if (path[0] === 'mcp') return `in an [[mcp]] entry are: ${Object.keys(MigrateMcpServer.shape).join(', ')}`;
  return `at the top level are: ${Object.keys(MANIFEST_KEYS).join(', ')}`;
}

const MANIFEST_KEYS: Readonly<Record<keyof MigrateManifest, true>> = { version: true, connectors: true, mcp: true };

/** How a key is named in messages: an entry's own keys by their name, the rest by their path. */
function label(path: DataPath): string {
  const own = typeof path[1] === 'number' && path.length > 2 ? path.slice(2) : path;
  return own.map((s, i) => (typeof s === 'number' ? `[${s}]` : i === 0 ? s : `.${s}`)).join('');
}

/** Where a mapping is: `at the top level`, `in connector "github"`, `in MCP server #2`. */
function where(path: DataPath, data: unknown): string {
  const [list, index] = path;
  if (typeof index !== 'number' || (list !== 'connectors' && list !== 'mcp')) return 'at the top level';
  const entry = valueAt(data, [list, index]);
  const name = isRecord(entry) && typeof entry['name'] === 'string' && entry['name'] !== '' ? JSON.stringify(entry['name']) : `#${index + 1}`;
  return `in ${list === 'mcp' ? 'MCP server' : 'connector'} ${name}`;
}

function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 37)}...` : value);
  if (Array.isArray(value)) return 'a list';
  if (value instanceof Date) return 'a date';
  if (isRecord(value)) return 'a table';
  return String(value);
}

function valueAt(data: unknown, path: DataPath): unknown {
  let node = data;
  for (const segment of path) {
    if (Array.isArray(node) && typeof segment === 'number') node = node[segment];
    else if (isRecord(node) && Object.hasOwn(node, String(segment))) node = node[String(segment)];
    else return undefined;
  }
  return node;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
