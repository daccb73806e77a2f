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

use crossbeam_channel::{Receiver, Sender, bounded};
use std::ops::ControlFlow;
use std::thread::{self, JoinHandle};

/// A running pipeline: the output of its last stage, and the thread of every stage.
#[must_use = "the stages run on their own threads: read the output, then call `join`"]
pub struct Pipeline<T> {
    output: Receiver<T>,
    stages: Vec<JoinHandle<()>>,
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
        let items = items.into_iter();
        let (tx, output) = bounded(capacity);
        let stage = thread::spawn(move || {
            for item in items {
                if send(&tx, item).is_break() {
                    return;
                }
            }
        });
        Pipeline {
            output,
            stages: vec![stage],
            capacity,
        }
    }

    /// Adds a stage that sends `f(item)` for each item.
    pub fn map<U, F>(self, mut f: F) -> Pipeline<U>
    where
        U: Send + 'static,
        F: FnMut(T) -> U + Send + 'static,
    {
        self.add_stage(move |item, tx| send(tx, f(item)))
    }

    /// Adds a stage that passes on only the items for which `keep` returns true.
    pub fn filter<F>(self, mut keep: F) -> Pipeline<T>
    where
        F: FnMut(&T) -> bool + Send + 'static,
    {
        self.add_stage(move |item, tx| {
            if keep(&item) {
                send(tx, item)
            } else {
                ControlFlow::Continue(())
            }
        })
    }

    /// Adds a stage on its own thread that hands each input item to `step`, until the input
    /// ends or `step` breaks. Returning drops the stage's `Sender` (which ends the stream for the
    /// next stage) and its input `Receiver` (which makes the previous stage's `send` fail).
    fn add_stage<U, S>(self, mut step: S) -> Pipeline<U>
    where
        U: Send + 'static,
        S: FnMut(T, &Sender<U>) -> ControlFlow<()> + Send + 'static,
    {
        let Pipeline {
            output: input,
            mut stages,
            capacity,
        } = self;
        let (tx, output) = bounded(capacity);
        stages.push(thread::spawn(move || {
            for item in input {
                if step(item, &tx).is_break() {
                    return;
                }
            }
        }));
        Pipeline {
            output,
            stages,
            capacity,
        }
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
    pub fn try_map<U, F>(self, mut f: F) -> Pipeline<Result<U, E>>
    where
        U: Send + 'static,
        F: FnMut(T) -> Result<U, E> + Send + 'static,
    {
        self.add_stage(move |item, tx| {
            let result = item.and_then(&mut f);
            let failed = result.is_err();
            send(tx, result)?;
            if failed {
                ControlFlow::Break(())
            } else {
                ControlFlow::Continue(())
            }
        })
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
        // Hang up first: a stage blocked on a full channel only returns once its send fails.
        drop(self.output);
        for stage in self.stages {
            if let Err(panic) = stage.join() {
                std::panic::resume_unwind(panic);
            }
        }
    }
}

/// Sends `item`, and says to stop if nobody downstream will ever read it.
fn send<T>(tx: &Sender<T>, item: T) -> ControlFlow<()> {
    match tx.send(item) {
        Ok(()) => ControlFlow::Continue(()),
        // Every receiver is gone: anything more this stage makes would be thrown away.
        Err(_) => ControlFlow::Break(()),
    }
}
