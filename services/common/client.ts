// Services call each other with the same promise-based client the gateway uses.
export { createUnaryClient, type UnaryApi, type UnaryClient } from '../../src/grpc/unary-client.js';
