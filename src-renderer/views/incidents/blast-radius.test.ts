import { describe, expect, it } from 'vitest';
import { blastRadius, outageOf } from './blast-radius';

const sites = [
  { id: 's1', corridorId: 'eu' },
  { id: 's2', corridorId: 'eu' },
  { id: 's3', corridorId: 'mena' },
  { id: 's4', corridorId: 'apac' },
];
const nodes = [
  { id: 'n1', siteId: 's3' },
  { id: 'n2', siteId: 's4' },
];

describe('blast radius', () => {
  it('widens a corridor to its sites and places a node at its site and corridor', () => {
    const r = blastRadius(
      [
        { kind: 'corridor', id: 'eu' },
        { kind: 'node', id: 'n1' },
      ],
      sites,
      nodes,
    );
    expect(r.corridorIds.sort()).toEqual(['eu', 'mena']);
    expect(r.siteIds.sort()).toEqual(['s1', 's2', 's3']);
  });

  it('counts a site once, however it is named', () => {
    expect(blastRadius([{ kind: 'site', id: 's4' }, { kind: 'node', id: 'n2' }], sites, nodes)).toEqual({ corridorIds: ['apac'], siteIds: ['s4'] });
  });

  it('is empty for nothing affected, and skips what no longer exists', () => {
    expect(blastRadius([], sites, nodes)).toEqual({ corridorIds: [], siteIds: [] });
    expect(blastRadius([{ kind: 'node', id: 'gone' }, { kind: 'site', id: 'gone' }], sites, nodes)).toEqual({ corridorIds: [], siteIds: [] });
  });
});

describe('an incident as a routing what-if', () => {
  const runtimes = [
    { id: 'r1', nodeId: 'n1' },
    { id: 'r2', nodeId: 'n1' },
    { id: 'r3', nodeId: 'n2' },
  ];

  it('takes down the corridors and sites it names, and the runtimes on the nodes it names, not their sites', () => {
    expect(
      outageOf(
        [
          { kind: 'corridor', id: 'eu' },
          { kind: 'site', id: 's4' },
          { kind: 'node', id: 'n1' },
        ],
        runtimes,
      ),
    ).toEqual({ corridorIds: ['eu'], siteIds: ['s4'], runtimeIds: ['r1', 'r2'], idleNodes: 0 });
  });

  it('counts named nodes with no runtime, and nothing named is nothing down', () => {
    expect(outageOf([{ kind: 'node', id: 'n9' }, { kind: 'node', id: 'n2' }], runtimes)).toEqual({ corridorIds: [], siteIds: [], runtimeIds: ['r3'], idleNodes: 1 });
    expect(outageOf([], runtimes)).toEqual({ corridorIds: [], siteIds: [], runtimeIds: [], idleNodes: 0 });
  });
});
