import { InMemoryLRUCache } from '@apollo/utils.keyvaluecache';
import type { DocumentNode } from 'graphql';

/** What parsed documents may take in memory, as Apollo Server's own default. */
export const DOCUMENT_STORE_BYTES = 30 * 2 ** 20;

/**
 * Apollo Server's cache of parsed and validated documents, bounded by what
 * they really hold. Its default counts each document's syntax tree as JSON, in
 * which locations show only offsets, yet every node's location keeps the whole
 * query text alive: 400 documents of a megabyte each counted as 400 small
 * entries and held 380 MiB. Here each counts its tree and its text (two bytes
 * a character in a JavaScript string).
 */
export function boundedDocumentStore(maxBytes = DOCUMENT_STORE_BYTES): InMemoryLRUCache<DocumentNode> {
  return new InMemoryLRUCache<DocumentNode>({
    maxSize: maxBytes,
    sizeCalculation: (document) => Buffer.byteLength(JSON.stringify(document)) + 2 * (document.loc?.source.body.length ?? 0),
  });
}
