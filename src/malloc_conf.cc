// The settings of volumed's malloc: jemalloc (linked into the volumed binary only, meson
// option `allocator`), which reads this symbol once, when it initialises.
//
// thp:always: jemalloc asks for transparent huge pages (MADV_HUGEPAGE) on the memory it
// maps, so memory volumed touches for the first time costs one fault per 2 MiB instead
// of one per 4 KiB page. Every byte a client writes lands in a LevelDB memtable before a
// compaction frees it, so a growing memtable touches about one new page per 4 KiB
// written; in a virtual machine a page fault costs 17-21 µs (storage/TUNING.md, "Page
// faults"), a fifth of the server's CPU for a CREATE + 4 KiB WRITE on an ephemeral
// volume. metadata_thp:auto: the same for jemalloc's own metadata once it is large.
// narenas:1: one arena for every thread. A memtable is filled by whichever RPC worker
// leads a write group and freed by LevelDB's compaction thread; with an arena per thread
// group (8 here) the freed memory sat in arenas the next filler did not use, and nearly
// every memtable byte came from freshly zeroed pages. One arena cut a write stream's CPU
// by a fifth (storage/TUNING.md, "One arena"); the thread caches keep small allocations
// off the arena's lock.
//
// Thread-safety: a constant, read by the allocator before main().

extern "C" {
// The name and type are jemalloc's (`man jemalloc`, "TUNING").
const char* malloc_conf = "thp:always,metadata_thp:auto,narenas:1";
}
