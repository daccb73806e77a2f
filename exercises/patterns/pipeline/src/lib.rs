//! A pipeline: each stage is a thread, and a bounded channel joins it to the next.
//!
//! ```
//! use pipeline::Pipeline;
//!
//! let evens = Pipeline::generate(2, 1..=5)
//!     .map(|n| n * n)
//!     .filter(|n| n % 2 == 0);
//! let got: Vec<i64> = evens.output().iter().collect();
//! evens.join();
//! assert_eq!(got, [4, 16]);
//! ```
//!
//! Two rules make it a good pipeline: every channel is `bounded(capacity)`, and a stage returns
//! as soon as a `send` fails (nobody downstream will read again). The type and `output` are
//! given; fill in the bodies marked `todo!`, adding any private helpers you like. Run the tests
//! with `cargo xtask check pipeline`.

// While the bodies are `todo!()`, the fields and arguments look unused to the compiler.
// Delete this line once your code uses them all.
#![allow(dead_code, unused_variables)]

use crossbeam_channel::Receiver;
use std::thread::JoinHandle;

/// A running pipeline: the output of its last stage, and the thread of every stage.
#[must_use = "the stages run on their own threads: read the output, then call `join`"]
pub struct Pipeline<T> {
    /// The receiving end of the last stage's channel.
    output: Receiver<T>,
    /// One thread per stage, in order from the generator on.
    stages: Vec<JoinHandle<()>>,
    /// How many items each channel holds before its sender has to wait.
    capacity: usize,
}

impl<T: Send + 'static> Pipeline<T> {
    /// Starts a pipeline whose first stage sends the items of `items`, in order.
    ///
    /// Every channel in the pipeline holds at most `capacity` items.
    pub fn generate<I>(capacity: usize, items: I) -> Self
    where
        I: IntoIterator<Item = T>,
        I::IntoIter: Send + 'static,
    {
        todo!("spawn a thread that sends each item on a bounded channel; stop if a send fails")
    }

    /// Adds a stage that sends `f(item)` for each item.
    pub fn map<U, F>(self, f: F) -> Pipeline<U>
    where
        U: Send + 'static,
        F: FnMut(T) -> U + Send + 'static,
    {
        todo!("spawn a thread that reads self's output and sends f(item) on a new bounded channel")
    }

    /// Adds a stage that passes on only the items for which `keep` returns true.
    pub fn filter<F>(self, keep: F) -> Pipeline<T>
    where
        F: FnMut(&T) -> bool + Send + 'static,
    {
        todo!("like map, but send an item on only when keep(&item) is true")
    }
}

impl<T, E> Pipeline<Result<T, E>>
where
    T: Send + 'static,
    E: Send + 'static,
{
    /// Adds a stage that sends `f(value)` for each `Ok(value)`.
    ///
    /// The first error, from upstream or from `f`, is sent on and ends the stage: nothing after
    /// it would be used, so upstream should stop working too.
    pub fn try_map<U, F>(self, f: F) -> Pipeline<Result<U, E>>
    where
        U: Send + 'static,
        F: FnMut(T) -> Result<U, E> + Send + 'static,
    {
        todo!("like map over Ok values; send the first Err on, then return")
    }
}

impl<T> Pipeline<T> {
    /// The output of the last stage. Iterating it ends once every stage has finished.
    pub fn output(&self) -> &Receiver<T> {
        &self.output
    }

    /// Hangs up on the last stage, then waits for every stage thread to end.
    ///
    /// # Panics
    ///
    /// If a stage panicked: its panic is passed on here.
    pub fn join(self) {
        todo!("drop the output first, then join every stage and pass on a stage's panic")
    }
}
