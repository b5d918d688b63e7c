//! Servers with finite capacity (`--service-time`, `--queue`): each server handles one client
//! request at a time, in arrival order.
//!
//! A request that arrives while the server is busy waits in a FIFO queue; its handler runs when
//! its service completes, at `start + service time`, where `start` is when the request before it
//! completed (or its arrival, if the server was idle). So time spent waiting shows in the
//! client's latency, and a server offered more than `1 / service time` requests per second
//! builds a queue without bound — unless it has a limit `Q`: a request that finds `Q` requests
//! waiting (not counting the one in service) is turned away at once with the protocol's
//! rejection reply. A `slow` event multiplies the service time of requests admitted from then on
//! (a capacity drop); a crash empties the queue. Only client requests take service time; the
//! servers' messages to each other are handled as they arrive.

use std::collections::VecDeque;

use super::time::Nanos;

/// The servers' capacity.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Capacity {
    /// Time to serve one request.
    pub service: Nanos,
    /// The most requests that may wait (none: no limit).
    pub queue: Option<u32>,
}

/// What becomes of a request that arrives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Admission {
    /// Served; its handler runs at this time.
    Served(Nanos),
    /// Turned away: the queue is full.
    Rejected,
}

/// One server's queue.
#[derive(Debug, Clone, PartialEq)]
pub struct ServerQueue {
    /// When the last admitted request completes.
    busy_until: Nanos,
    /// Start times of admitted requests that have not started yet, in order.
    waiting: VecDeque<Nanos>,
    /// The service-time multiplier (`slow` events).
    slow: f64,
}

impl Default for ServerQueue {
    fn default() -> Self {
        ServerQueue {
            busy_until: 0,
            waiting: VecDeque::new(),
            slow: 1.0,
        }
    }
}

impl ServerQueue {
    /// Requests waiting at `now` (not counting the one in service).
    pub fn waiting(&mut self, now: Nanos) -> usize {
        while self.waiting.front().is_some_and(|&start| start <= now) {
            self.waiting.pop_front();
        }
        self.waiting.len()
    }

    /// A request arrives at `now`.
    pub fn admit(&mut self, now: Nanos, capacity: Capacity) -> Admission {
        let waiting = self.waiting(now);
        if capacity
            .queue
            .is_some_and(|limit| waiting >= limit as usize && self.busy_until > now)
        {
            return Admission::Rejected;
        }
        let start = self.busy_until.max(now);
        let service = (capacity.service as f64 * self.slow).round() as Nanos;
        self.busy_until = start + service;
        if start > now {
            self.waiting.push_back(start);
        }
        Admission::Served(self.busy_until)
    }

    /// Service times are `factor` times the configured one from now on.
    pub fn slow_down(&mut self, factor: f64) {
        self.slow = factor;
    }

    /// The server crashed: what it held is gone.
    pub fn clear(&mut self) {
        self.busy_until = 0;
        self.waiting.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MS: Nanos = 1_000_000;

    #[test]
    fn requests_wait_their_turn_and_the_queue_limit_turns_the_rest_away() {
        let capacity = Capacity {
            service: 10 * MS,
            queue: Some(2),
        };
        let mut q = ServerQueue::default();
        // Arrivals at 0, 1, 2, 3, 25 and 26 ms.
        let admitted: Vec<Admission> = [0, 1, 2, 3]
            .into_iter()
            .map(|t| q.admit(t * MS, capacity))
            .collect();
        assert_eq!(
            admitted,
            [
                Admission::Served(10 * MS),
                Admission::Served(20 * MS),
                Admission::Served(30 * MS),
                Admission::Rejected,
            ],
            "two wait behind the one in service (waits 9 and 18 ms); the fourth finds two waiting"
        );
        assert_eq!(q.waiting(3 * MS), 2);
        assert_eq!(q.waiting(10 * MS), 1, "the second started at 10 ms");
        assert_eq!(q.admit(25 * MS, capacity), Admission::Served(40 * MS));
        assert_eq!(q.admit(26 * MS, capacity), Admission::Served(50 * MS));
        assert_eq!(q.admit(27 * MS, capacity), Admission::Rejected);
        // Idle again: served on arrival.
        assert_eq!(q.admit(60 * MS, capacity), Admission::Served(70 * MS));
        assert_eq!(q.waiting(60 * MS), 0);
    }

    #[test]
    fn a_slow_server_takes_longer_from_then_on_and_a_crash_empties_it() {
        let capacity = Capacity {
            service: 10 * MS,
            queue: None,
        };
        let mut q = ServerQueue::default();
        assert_eq!(q.admit(0, capacity), Admission::Served(10 * MS));
        q.slow_down(4.0);
        assert_eq!(q.admit(0, capacity), Admission::Served(50 * MS));
        for _ in 0..100 {
            q.admit(MS, capacity);
        }
        assert_eq!(q.waiting(MS), 101, "no limit");
        q.slow_down(1.0);
        q.clear();
        assert_eq!(q.waiting(MS), 0);
        assert_eq!(q.admit(2 * MS, capacity), Admission::Served(12 * MS));
    }
}
