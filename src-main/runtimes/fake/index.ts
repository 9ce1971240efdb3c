export { startFakeOllama, type FakeOllamaOptions } from './ollama';
export { startFakeOpenAi } from './openai';
export { type Fault, type FakeRuntime, type FakeState } from './server';
export { startFakeTgi, type FakeTgiOptions } from './tgi';
export { startFakeVllm, type FakeVllmOptions } from './vllm';
