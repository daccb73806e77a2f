//! Every code block in the book that is not an exercise lives here, so it is compiled and
//! tested with the rest of the course. A page includes a region with
//! `{{#include ../../snippets/src/<part>/<section>.rs:<anchor>}}`, where the region is marked
//! `// ANCHOR: <anchor>` ... `// ANCHOR_END: <anchor>`.

pub mod getting_started;

pub mod patterns {
    pub mod circuit_breaker;
    pub mod pipeline;
}

pub mod atomics {
    pub mod atomic_operations;
}

pub mod interview {
    pub mod concurrency_and_parallelism;
}
