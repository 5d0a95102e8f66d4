/**
 * Graph algorithms over tasks numbered by their position in the file. An edge `from -> to`
 * means task `from` depends on task `to`. Every choice is made by file position, so results
 * are the same on every run.
 */

/** Adjacency lists: `edges[i]` are the tasks that task `i` depends on. */
export type Edges = readonly (readonly number[])[];

/** The strongly connected components (Tarjan), each sorted by file position, ordered by their first task. */
export function stronglyConnectedComponents(edges: Edges): number[][] {
  const index = new Array<number>(edges.length).fill(-1);
  const low = new Array<number>(edges.length).fill(0);
  const onStack = new Array<boolean>(edges.length).fill(false);
  const stack: number[] = [];
  const components: number[][] = [];
  let counter = 0;

  // Iterative, so that a long chain of tasks cannot overflow the call stack.
  for (let root = 0; root < edges.length; root++) {
    if (index[root] !== -1) continue;
    const work: [node: number, next: number][] = [[root, 0]];
    index[root] = low[root] = counter++;
    stack.push(root);
    onStack[root] = true;
    while (work.length > 0) {
      const frame = work[work.length - 1]!;
      const [node, next] = frame;
      const targets = edges[node]!;
      if (next < targets.length) {
        frame[1]++;
        const to = targets[next]!;
        if (index[to] === -1) {
          index[to] = low[to] = counter++;
          stack.push(to);
          onStack[to] = true;
          work.push([to, 0]);
        } else if (onStack[to]) {
          low[node] = Math.min(low[node]!, index[to]!);
        }
        continue;
      }
      work.pop();
      const parent = work[work.length - 1];
      if (parent !== undefined) low[parent[0]] = Math.min(low[parent[0]]!, low[node]!);
      if (low[node] === index[node]) {
        const component: number[] = [];
        let member: number;
        do {
          member = stack.pop()!;
          onStack[member] = false;
          component.push(member);
        } while (member !== node);
        components.push(component.sort((a, b) => a - b));
      }
    }
  }
  return components.sort((a, b) => a[0]! - b[0]!);
}

/**
 * A shortest cycle through the first task of `component`, staying inside it, as the list of
 * tasks along it (the edge from the last back to the first closes it). Breadth-first, visiting
 * dependencies in the order they are listed.
 */
export function cycleThrough(edges: Edges, component: readonly number[]): number[] {
  const start = component[0]!;
  const inside = new Set(component);
  const cameFrom = new Map<number, number>();
  const queue = [start];
  for (let head = 0; head < queue.length; head++) {
    const node = queue[head]!;
    for (const to of edges[node]!) {
      if (!inside.has(to)) continue;
      if (to === start) {
        const path = [node];
        while (path[0] !== start) path.unshift(cameFrom.get(path[0]!)!);
        return path;
      }
      if (!cameFrom.has(to)) {
        cameFrom.set(to, node);
        queue.push(to);
      }
    }
  }
  throw new Error('Internal error: component without a cycle');
}

/** Dependencies first; among tasks that are ready together, the earlier in the file first. Undefined if cyclic. */
export function topologicalOrder(edges: Edges): number[] | undefined {
  const waitingOn = edges.map((deps) => new Set(deps).size);
  const dependents: number[][] = edges.map(() => []);
  edges.forEach((deps, from) => new Set(deps).forEach((to) => dependents[to]!.push(from)));
  const ready = waitingOn.flatMap((n, i) => (n === 0 ? [i] : []));
  const order: number[] = [];
  while (ready.length > 0) {
    // Graphs are small (tens of tasks), so a linear scan for the smallest ready task is plenty.
    const at = ready.reduce((best, task, i) => (task < ready[best]! ? i : best), 0);
    const next = ready.splice(at, 1)[0]!;
    order.push(next);
    for (const from of dependents[next]!) {
      waitingOn[from]!--;
      if (waitingOn[from] === 0) ready.push(from);
    }
  }
  return order.length === edges.length ? order : undefined;
}
