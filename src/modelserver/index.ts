export { MODELS } from './models.ts';
export { type ModelServer, type ModelServerFaults, startModelServer } from './server.ts';
