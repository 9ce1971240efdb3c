import type { ChannelName, RequestIn, Response, TopicEvent, TopicName, TopicParams } from '../../src-shared/contract';
import type { ErrorCode, McErrorShape } from '../../src-shared/contract/errors';
import { transport } from './index';

/** A refused call, with everything the contract said about why. */
export class McClientError extends Error {
  readonly code: ErrorCode;
  readonly fields: Record<string, string>;
  readonly requestId: string | undefined;
  constructor(e: McErrorShape) {
    super(e.message);
    this.name = 'McClientError';
    this.code = e.code;
    this.fields = e.fields ?? {};
    this.requestId = e.requestId;
  }
}

export async function call<N extends ChannelName>(channel: N, request: RequestIn<N>): Promise<Response<N>> {
  const envelope = await transport.bridge.invoke(channel, request);
  if (!envelope.ok) throw new McClientError(envelope.error);
  return envelope.data as Response<N>;
}

export function subscribe<T extends TopicName>(topic: T, callback: (event: TopicEvent<T>) => void, params?: TopicParams<T>): () => void {
  return transport.bridge.subscribe(topic, (e) => callback(e as TopicEvent<T>), params);
}

export function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
