/**
 * Hugging Face TGI as its docs describe it (huggingface.co/docs/text-generation-inference: the
 * /info schema, "Metrics" reference): /health, /info, /generate, /v1/models, /metrics. Variant
 * "v1" answers the older /info (max_input_length, model_dtype, model_device_type).
 */
import { type FakeRuntime, type FakeState, startFake } from './server';

export interface FakeTgiOptions {
  modelId?: string;
  variant?: 'v1' | 'v3';
  version?: string;
  maxTotalTokens?: number;
  queue?: number;
  batch?: number;
  router?: string;
}

export async function startFakeTgi(o: FakeTgiOptions = {}, init: Partial<FakeState> = {}): Promise<FakeRuntime & { options: FakeTgiOptions }> {
  const options: FakeTgiOptions = { modelId: 'mistralai/Ministral-8B-Instruct-2410', variant: 'v3', version: '3.2.1', maxTotalTokens: 32768, queue: 2, batch: 5, router: 'text-generation-router', ...o };
  const fake = await startFake((req) => {
    const path = (req.url ?? '').split('?')[0];
    const total = options.maxTotalTokens ?? 32768;
    if (path === '/health') return { text: '' };
    if (path === '/info')
      return {
        json:
          options.variant === 'v1'
            ? { model_id: options.modelId, model_sha: null, model_dtype: 'torch.float16', model_device_type: 'cuda', model_pipeline_tag: 'text-generation', max_concurrent_requests: 128, max_best_of: 2, max_stop_sequences: 4, max_input_length: total - 1, max_total_tokens: total, waiting_served_ratio: 1.2, max_batch_total_tokens: 16000, max_waiting_tokens: 20, validation_workers: 2, version: options.version, sha: null, docker_label: null }
            : { model_id: options.modelId, model_sha: '4847e87e5975a573a2a190399ca62cd266c899ad', model_pipeline_tag: null, max_concurrent_requests: 128, max_best_of: 2, max_stop_sequences: 4, max_input_tokens: total - 1, max_total_tokens: total, validation_workers: 2, max_client_batch_size: 4, router: options.router, version: options.version, sha: '4d28897b4e345f4dfdd93d3434e50ac8afcdf9e1', docker_label: 'sha-4d28897' },
      };
    if (path === '/metrics')
      return {
        text: [
          '# TYPE tgi_queue_size gauge',
          `tgi_queue_size ${options.queue}`,
          '# TYPE tgi_batch_current_size gauge',
          `tgi_batch_current_size ${options.batch}`,
          '# TYPE tgi_request_duration histogram',
          'tgi_request_duration_bucket{le="0.1"} 10',
          'tgi_request_duration_bucket{le="0.25"} 50',
          'tgi_request_duration_bucket{le="0.5"} 90',
          'tgi_request_duration_bucket{le="1"} 100',
          'tgi_request_duration_bucket{le="+Inf"} 100',
          'tgi_request_duration_sum 30.5',
          'tgi_request_duration_count 100',
          '',
        ].join('\n'),
      };
    if (path === '/generate' && req.method === 'POST') return { json: { generated_text: 'ok (fake TGI)' } };
    if (path === '/v1/models') return { json: { object: 'list', data: [{ id: options.modelId, object: 'model', created: 0, owned_by: options.modelId }] } };
    return null;
  }, init);
  return { ...fake, options };
}
