/**
 * Source languages by file extension (and a few file names). Only what a migration plan weighs
 * counts as a language: programming languages, shell, SQL and the web's markup and styles.
 * Documentation and data formats (Markdown, JSON, YAML) are files of the tree, not languages.
 */

const BY_EXTENSION: Readonly<Record<string, string>> = {
  '.js': 'JavaScript',
  '.mjs': 'JavaScript',
  '.cjs': 'JavaScript',
  '.jsx': 'JavaScript',
  '.ts': 'TypeScript',
  '.mts': 'TypeScript',
  '.cts': 'TypeScript',
  '.tsx': 'TypeScript',
  '.py': 'Python',
  '.go': 'Go',
  '.rs': 'Rust',
  '.rb': 'Ruby',
  '.java': 'Java',
  '.kt': 'Kotlin',
  '.kts': 'Kotlin',
  '.scala': 'Scala',
  '.groovy': 'Groovy',
  '.php': 'PHP',
  '.cs': 'C#',
  '.fs': 'F#',
  '.c': 'C',
  '.h': 'C',
  '.cc': 'C++',
  '.cpp': 'C++',
  '.cxx': 'C++',
  '.hpp': 'C++',
  '.swift': 'Swift',
  '.m': 'Objective-C',
  '.dart': 'Dart',
  '.ex': 'Elixir',
  '.exs': 'Elixir',
  '.erl': 'Erlang',
  '.hs': 'Haskell',
  '.clj': 'Clojure',
  '.lua': 'Lua',
  '.pl': 'Perl',
  '.r': 'R',
  '.jl': 'Julia',
  '.zig': 'Zig',
  '.sh': 'Shell',
  '.bash': 'Shell',
  '.zsh': 'Shell',
  '.ps1': 'PowerShell',
  '.sql': 'SQL',
  '.html': 'HTML',
  '.css': 'CSS',
  '.scss': 'CSS',
  '.sass': 'CSS',
  '.less': 'CSS',
  '.vue': 'Vue',
  '.svelte': 'Svelte',
  '.tf': 'HCL',
  '.tla': 'TLA+',
  '.proto': 'Protocol Buffers',
};

/** The extension of a path's base name, lower-cased (`.ts` of `a/b.d.ts`), or '' when it has none. */
export function extensionOf(path: string): string {
  const base = path.slice(path.lastIndexOf('/') + 1);
  const dot = base.lastIndexOf('.');
  return dot <= 0 ? '' : base.slice(dot).toLowerCase();
}

/** The language of a file, or undefined for documentation, data and everything else. */
export function languageOf(path: string): string | undefined {
  return BY_EXTENSION[extensionOf(path)];
}
