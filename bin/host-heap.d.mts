/** The V8 option: the heap may grow to twice what survived a full collection (bin/host-heap.mjs). */
export declare const HOST_HEAP_GROWTH: string;
/** Gives this process a long-running host's heap growth. Not pure (sets a V8 flag). */
export declare function useHostHeap(): void;
