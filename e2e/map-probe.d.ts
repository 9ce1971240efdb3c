/** The map's automation hook (src-renderer/views/network/CorridorMap.tsx), as the specs see it. */
interface McMapProbe {
  pointOf(siteId: string): [number, number] | null;
  counts(): { sites: number; links: number; flows: number; rings: number };
  sites(): { id: string; name: string }[];
  healthOf(siteId: string): string | null;
  drainOf(siteId: string): string | null;
}

interface Window {
  __mcMap?: McMapProbe;
}
