//! The simulator's hot path allocates nothing per message: once the event queue has reached its
//! working size, delivering many more messages allocates next to nothing — only the first use of
//! one of the queue's 64 buckets, when the clock first crosses a power of two of nanoseconds,
//! allocates (its vector grows to the tokens in flight: a dozen times here, never per message).
//! Checked with a
//! global allocator (this test binary only) that counts the allocations of each thread, so the
//! test harness's own threads cannot disturb the count.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use faultline::sim::delay::DelayModel;
use faultline::sim::engine::{Config, Simulation};
use faultline::sim::network::Network;
use faultline::sim::protocol::{Ctx, NodeIdx, Protocol};
use faultline::sim::time::SECOND;

struct Counting;

thread_local! {
    static ALLOCATIONS: Cell<u64> = const { Cell::new(0) };
}

fn allocations() -> u64 {
    ALLOCATIONS.with(Cell::get)
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // `try_with`: during thread teardown the counter may be gone; those allocations are not
        // the simulator's.
        let _ = ALLOCATIONS.try_with(|count| count.set(count.get() + 1));
        // SAFETY: forwarded unchanged to the system allocator.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` came from `alloc` above, i.e. from the system allocator.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// Tokens passed around a ring, as in the engine benchmark.
struct Ring;

impl Protocol for Ring {
    type Msg = u32;
    type Timer = ();
    type Stable = ();
    type Config = ();
    const NAME: &'static str = "ring-tokens";

    fn boot(ctx: &mut Ctx<'_, Self>, _stable: &()) -> Self {
        ctx.send((ctx.id() + 1) % ctx.nodes(), 0);
        Ring
    }

    fn on_message(&mut self, ctx: &mut Ctx<'_, Self>, _from: NodeIdx, hops: u32) {
        ctx.send((ctx.id() + 1) % ctx.nodes(), hops + 1);
    }

    fn on_timer(&mut self, _ctx: &mut Ctx<'_, Self>, _timer: ()) {}

    fn kind(_msg: &u32) -> &'static str {
        "token"
    }
}

#[test]
fn delivering_messages_allocates_nothing() {
    let mut sim: Simulation<Ring> = Simulation::new(Config {
        nodes: 16,
        clients: 0,
        seed: 1,
        network: Network::new(16, DelayModel::Const(SECOND / 1000), 0, 0.0),
        protocol: (),
        capacity: None,
    });
    sim.run_until(SECOND, &mut |_| {});
    let before = allocations();
    let sent = sim.metrics().total;
    sim.run_until(11 * SECOND, &mut |_| {});
    let delivered = sim.metrics().total - sent;
    assert_eq!(delivered, 160_000);
    let during = allocations() - before;
    assert!(during < 64, "{during} allocations for 160,000 messages");
    // The counter does see this thread's allocations.
    let probe = std::hint::black_box(vec![0u8; 64]);
    assert_eq!(allocations() - before, during + 1);
    drop(probe);
}
