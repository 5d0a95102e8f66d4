import type { Fact } from '../schema.js';
import type { ScannedFile } from '../tree.js';
import { at, FactSet } from './facts.js';
import { baseName } from './manifests.js';

/**
 * CI configuration and containers/infrastructure, recognised by where their files live and, for
 * Kubernetes manifests (any YAML file), by their `apiVersion:` and `kind:` lines.
 */

/** CI systems by the paths of their configuration. */
const CI: readonly (readonly [RegExp, string])[] = [
  [/^\.github\/workflows\/[^/]+\.ya?ml$/, 'github-actions'],
  [/^\.gitlab-ci\.ya?ml$/, 'gitlab-ci'],
  [/^\.circleci\/config\.ya?ml$/, 'circleci'],
  [/(?:^|\/)Jenkinsfile$/, 'jenkins'],
  [/^azure-pipelines\.ya?ml$|^\.azure-pipelines\/[^/]+\.ya?ml$/, 'azure-pipelines'],
  [/^\.travis\.ya?ml$/, 'travis-ci'],
  [/^bitbucket-pipelines\.ya?ml$/, 'bitbucket-pipelines'],
  [/^\.drone\.ya?ml$/, 'drone'],
  [/^\.buildkite\/[^/]+\.ya?ml$/, 'buildkite'],
];

export function detectCi(files: readonly ScannedFile[]): Fact[] {
  const ci = new FactSet();
  for (const f of files) {
    const system = CI.find(([re]) => re.test(f.path));
    if (system) ci.add(system[1], at(f.path));
  }
  return ci.list();
}

export function isCompose(path: string): boolean {
  return /^(?:docker-)?compose(?:[.-][\w.-]+)?\.ya?ml$/.test(baseName(path));
}

/** A CI system's configuration (never a Kubernetes manifest, whatever keys it has). */
export function isCiFile(path: string): boolean {
  return CI.some(([re]) => re.test(path));
}

/** A YAML file with a top-level `apiVersion:` and `kind:` (a Helm chart's `Chart.yaml` has no `kind:`). */
export function isKubernetes(file: ScannedFile): boolean {
  return kindLine(file) !== undefined;
}

function kindLine(file: ScannedFile): number | undefined {
  if (file.text === null || !/\.ya?ml$/.test(file.path) || isCompose(file.path) || isCiFile(file.path)) return undefined;
  if (!/^apiVersion:\s*\S/m.test(file.text)) return undefined;
  const kind = /^kind:\s*["']?[A-Z]\w*/m.exec(file.text);
  return kind ? file.text.slice(0, kind.index).split('\n').length : undefined;
}

export function detectInfrastructure(files: readonly ScannedFile[]): Fact[] {
  const infra = new FactSet();
  for (const f of files) {
    const base = baseName(f.path);
    if (base === 'Dockerfile' || base === 'Containerfile' || /^Dockerfile\.|\.Dockerfile$/.test(base)) {
      const from = f.text === null ? -1 : f.text.search(/^\s*FROM\s/im);
      infra.add('docker', at(f.path, from < 0 || f.text === null ? null : f.text.slice(0, from).split('\n').length));
    } else if (isCompose(f.path)) infra.add('docker-compose', at(f.path));
    else if (base === 'Chart.yaml' || base === 'Chart.yml') infra.add('helm', at(f.path));
    else if (/^kustomization\.ya?ml$/.test(base)) infra.add('kustomize', at(f.path));
    else if (/^Pulumi(?:\.[\w-]+)?\.ya?ml$/.test(base)) infra.add('pulumi', at(f.path));
    else if (/^serverless\.ya?ml$/.test(base)) infra.add('serverless', at(f.path));
    else if (f.path.endsWith('.tf')) infra.add('terraform', at(f.path));
    else if (/(?:^|\/)\.devcontainer\/devcontainer\.json$|^\.devcontainer\.json$/.test(f.path)) infra.add('devcontainer', at(f.path));
    else {
      const kind = kindLine(f);
      if (kind !== undefined) infra.add('kubernetes', at(f.path, kind));
    }
  }
  return infra.list();
}
