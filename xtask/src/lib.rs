//! The course runner's library: `main.rs` parses the command line, these modules do the work.
//! It is a library so that the runner's own tests can grade fixture exercises with it.

pub mod book;
pub mod cap;
pub mod check;
pub mod course;
pub mod files;
pub mod grade;
pub mod hint;
pub mod links;
pub mod list;
pub mod progress;
pub mod quiz;
pub mod report;
pub mod shipped;
pub mod traps;
pub mod verify;
