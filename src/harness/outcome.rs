//! What a protocol achieved in one run: the `outcome` of a replay report.
//!
//! Each protocol family has its own outcome type (a detector's quality of service, an
//! election's leader, what Paxos decided), defined beside its runner. The harness carries it as
//! an [`Outcome`], which serializes as the type does, prints the family's one-line summary, and
//! gives the type back to whoever knows it ([`Outcome::get`]), so that adding a protocol adds no
//! variant to a shared enum and no branch to the renderers.

use std::any::Any;
use std::fmt;

use serde::Serialize;

/// How far a consensus run got: of what it was asked to do, how much it did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct Progress {
    /// Values decided (Paxos) or commands committed (Multi-Paxos).
    pub done: u64,
    /// Values to decide (one, for Paxos) or commands sent (Multi-Paxos).
    pub asked: u64,
    /// What `done` counts, for people: "runs decided", "commands committed".
    #[serde(skip)]
    pub what: &'static str,
}

/// What every protocol's outcome type provides besides its JSON.
pub trait Summary {
    /// A short summary for people, a line or a few, without the final newline
    /// (`election: leader n5, ...`).
    fn summary(&self) -> String;

    /// Liveness, for protocols asked to get something done (consensus); `None` otherwise.
    fn progress(&self) -> Option<Progress> {
        None
    }
}

/// An outcome with its type erased.
trait Erased: fmt::Debug + Send + Sync {
    fn json(&self) -> serde_json::Value;
    fn summary(&self) -> String;
    fn progress(&self) -> Option<Progress>;
    fn clone_box(&self) -> Box<dyn Erased>;
    fn as_any(&self) -> &dyn Any;
}

impl<T> Erased for T
where
    T: Serialize + Summary + Clone + fmt::Debug + Send + Sync + 'static,
{
    fn json(&self) -> serde_json::Value {
        // Outcome types are plain structs of numbers and strings, which always serialize.
        serde_json::to_value(self).unwrap_or(serde_json::Value::Null)
    }

    fn summary(&self) -> String {
        Summary::summary(self)
    }

    fn progress(&self) -> Option<Progress> {
        Summary::progress(self)
    }

    fn clone_box(&self) -> Box<dyn Erased> {
        Box::new(self.clone())
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// The protocol-specific part of a report.
pub struct Outcome(Box<dyn Erased>);

impl Outcome {
    /// Wraps a protocol's outcome.
    pub fn new<T>(outcome: T) -> Self
    where
        T: Serialize + Summary + Clone + fmt::Debug + Send + Sync + 'static,
    {
        Outcome(Box::new(outcome))
    }

    /// The outcome as its own type, when it is a `T`.
    pub fn get<T: 'static>(&self) -> Option<&T> {
        self.0.as_any().downcast_ref()
    }

    /// One line for people.
    pub fn summary(&self) -> String {
        self.0.summary()
    }

    /// Liveness of a consensus run (none for detectors and elections, whose outcome says it
    /// otherwise).
    pub fn progress(&self) -> Option<Progress> {
        self.0.progress()
    }

    /// The outcome as JSON.
    pub fn json(&self) -> serde_json::Value {
        self.0.json()
    }
}

impl Clone for Outcome {
    fn clone(&self) -> Self {
        Outcome(self.0.clone_box())
    }
}

impl fmt::Debug for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl PartialEq for Outcome {
    fn eq(&self, other: &Self) -> bool {
        self.json() == other.json()
    }
}

impl Serialize for Outcome {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.json().serialize(serializer)
    }
}
