/**
 * PostgreSQL's shared buffers live in PGlite's WASM memory, all of them touched at start: the default 128MB was
 * ~110 MB of the gateway's idle RSS. One backend writing batches of rows does not need them: pages it writes go
 * to the data folder's files (and the OS page cache) either way. 16MB is the size PostgreSQL itself picks on a
 * small machine. The WASM memory cannot start below PGlite's own floor (128 MB, `initialMemory`: the module
 * refuses less) but only pages PostgreSQL touches count.
 */
export const EMBEDDED_POSTGRES_CONF = ['shared_buffers = 16MB'];
