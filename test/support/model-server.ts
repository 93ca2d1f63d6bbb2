export * from '../../src/modelserver/index.ts';
