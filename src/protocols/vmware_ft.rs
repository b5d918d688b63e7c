//! VMware Fault Tolerance (Scales, Nelson and Venkitachalam, 2010): a primary VM and a backup VM
//! kept in step over a logging channel, with the Output Rule and a test-and-set on shared
//! storage that keeps a partition from making two primaries.
//!
//! `n1` runs the primary, `n2` the backup, `n3` is the shared storage; further nodes are spare
//! hosts for a new backup. The links behave as TCP connections (in order).
//!
//! - *Logging*: every input the primary takes (one each `1 / --rate`) is a log entry sent to the
//!   backup (`log`), which acknowledges it (`ack`). Both also send `heartbeat`s every `h`.
//! - *Output Rule*: the output an input produces leaves the primary only once the backup has
//!   acknowledged that input's entry, so a backup that takes over has seen every input behind
//!   every output the world saw. `--no-output-rule` releases outputs at once (to see the rule's
//!   point: outputs whose entries die with the primary are *lost*).
//! - *Failure detection*: each VM suspects its peer after the timeout with no message from it
//!   (heartbeats and the logging traffic alike).
//! - *Going live*: a VM that wants to go on alone (the backup taking over, or the primary
//!   dropping its backup) first does an atomic `test-and-set` on the shared storage for its pair's
//!   generation: the first to ask wins and goes live, the other learns it lost and halts. With
//!   `--no-test-and-set` each goes live at once, and a partition between them makes two primaries
//!   (split brain).
//! - *Restoring protection*: a VM live alone starts a new backup after the restart delay on the
//!   first other VM host that is up (`start-backup`, carrying its state), as a new pair, a
//!   generation later.
//!
//! A VM records a `leader` observation when it goes live (the detail says whether as a
//! `failover` of the backup or `alone`, and the last log entry it had), and another when it
//! stops being live (a primary asking the storage holds its outputs; a backup that lost halts); its released outputs are kept in its stable storage for the runner to
//! compare (they stand for the outside world's record, not for anything the VM could recover).

use std::collections::BTreeMap;

use crate::sim::metrics::ObservationKind;
use crate::sim::protocol::{Ctx, NodeIdx, Protocol};
use crate::sim::time::Nanos;

/// The shared storage's node.
pub const STORAGE: NodeIdx = 2;

/// Settings of a VMware FT run.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FtConfig {
    /// Heartbeat interval `h`.
    pub heartbeat: Nanos,
    /// Silence after which a VM suspects its peer.
    pub timeout: Nanos,
    /// Time between two inputs.
    pub input_interval: Nanos,
    /// Whether a VM does the test-and-set before going live.
    pub test_and_set: bool,
    /// Whether outputs wait for the backup's ack of their entry.
    pub output_rule: bool,
    /// Delay before a VM live alone starts a new backup.
    pub restart: Nanos,
}

/// Messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Msg {
    /// Primary → backup: log entry `entry` of generation `gen`.
    Log {
        /// The pair's generation.
        generation: u32,
        /// The entry.
        entry: u64,
    },
    /// Backup → primary: entries up to `entry` are logged.
    Ack {
        /// The pair's generation.
        generation: u32,
        /// The entry.
        entry: u64,
    },
    /// Between the VMs of a pair.
    Heartbeat(u32),
    /// VM → storage: set the flag of this generation, if nobody has.
    TestAndSet(u32),
    /// Storage → VM: whether it set the flag.
    TestAndSetReply {
        /// The generation asked about.
        generation: u32,
        /// It won.
        won: bool,
    },
    /// Live VM → host: be my backup in a new generation, starting after `entry`.
    StartBackup {
        /// The new generation.
        generation: u32,
        /// The last entry so far.
        entry: u64,
    },
}

/// Timers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Timer {
    /// The primary's next input.
    Input,
    /// The next heartbeat.
    Beat,
    /// The peer's silence may have lasted the timeout.
    Silence,
    /// Time to start a new backup.
    Restart,
}

/// What a VM host persists: the outputs it released as primary, for the runner.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Stable {
    /// `(time, entry)` of every output released, in order.
    pub released: Vec<(Nanos, u64)>,
    /// The storage's flags: generation → the VM that set it.
    pub flags: BTreeMap<u32, NodeIdx>,
}

/// A VM's role.
#[derive(Debug, Clone, PartialEq)]
pub enum Role {
    /// Running the primary; `backup` none when live alone.
    Primary {
        /// The backup, if paired.
        backup: Option<NodeIdx>,
        /// Entries sent and not yet acknowledged (their outputs wait, with the Output Rule).
        unacked: Vec<u64>,
        /// Waiting for the test-and-set's answer before going on alone.
        asking: bool,
    },
    /// Running the backup of `primary`.
    Backup {
        /// The primary.
        primary: NodeIdx,
        /// Waiting for the test-and-set's answer before going live.
        asking: bool,
    },
    /// No VM here (halted, or rebooted after a crash): a host for a new backup.
    Idle,
    /// The shared storage.
    Storage,
}

/// A node: a VM host or the storage.
#[derive(Debug, Clone)]
pub struct Ft {
    role: Role,
    generation: u32,
    /// The last log entry this VM has (taken as primary, or logged as backup).
    entry: u64,
    /// When the peer was last heard from.
    heard: Nanos,
}

impl Ft {
    /// The role now.
    pub fn role(&self) -> &Role {
        &self.role
    }

    fn peer(&self) -> Option<NodeIdx> {
        match self.role {
            Role::Primary { backup, .. } => backup,
            Role::Backup { primary, .. } => Some(primary),
            Role::Idle | Role::Storage => None,
        }
    }

    /// Goes live: primary alone, protection to be restored.
    fn go_live(&mut self, ctx: &mut Ctx<'_, Ft>) {
        let was_backup = matches!(self.role, Role::Backup { .. });
        let unacked = match &mut self.role {
            Role::Primary { unacked, .. } => std::mem::take(unacked),
            _ => Vec::new(),
        };
        self.role = Role::Primary {
            backup: None,
            unacked: Vec::new(),
            asking: false,
        };
        for entry in unacked {
            release(ctx, entry);
        }
        let how = if was_backup { "failover" } else { "alone" };
        ctx.observe_detail(
            ObservationKind::TookLead,
            Some(ctx.id()),
            format!("{how}: live from entry {}", self.entry),
        );
        if was_backup {
            ctx.latency("failover", ctx.now() - self.heard);
            let interval = ctx.config().input_interval;
            ctx.set_timer(interval, Timer::Input);
        }
        let restart = ctx.config().restart;
        ctx.set_timer(restart, Timer::Restart);
    }

    /// The peer has been silent for the timeout: go live, through the storage's flag or not. A
    /// primary that asks holds its outputs until the answer (it is not live meanwhile).
    fn suspect(&mut self, ctx: &mut Ctx<'_, Ft>) {
        if ctx.config().test_and_set {
            match &mut self.role {
                Role::Primary { asking, .. } => {
                    *asking = true;
                    ctx.observe(ObservationKind::LeftLead, Some(ctx.id()));
                }
                Role::Backup { asking, .. } => *asking = true,
                Role::Idle | Role::Storage => return,
            }
            ctx.send(STORAGE, Msg::TestAndSet(self.generation));
        } else {
            self.go_live(ctx);
        }
    }

    /// Lost the test-and-set: the VM halts (a primary has already stopped being live).
    fn halt(&mut self) {
        self.role = Role::Idle;
    }

    fn arm_silence(&mut self, ctx: &mut Ctx<'_, Ft>) {
        self.heard = ctx.now();
        let timeout = ctx.config().timeout;
        ctx.set_timer(timeout, Timer::Silence);
    }
}

/// Releases the output of `entry` to the world.
fn release(ctx: &mut Ctx<'_, Ft>, entry: u64) {
    let now = ctx.now();
    ctx.stable().released.push((now, entry));
}

impl Protocol for Ft {
    type Msg = Msg;
    type Timer = Timer;
    type Stable = Stable;
    type Config = FtConfig;
    const NAME: &'static str = "vmware-ft";
    const FIFO: bool = true;

    fn boot(ctx: &mut Ctx<'_, Self>, _stable: &Stable) -> Self {
        let config = *ctx.config();
        let role = match (ctx.id(), ctx.recovered()) {
            (STORAGE, _) => Role::Storage,
            (_, true) => Role::Idle,
            (0, false) => Role::Primary {
                backup: Some(1),
                unacked: Vec::new(),
                asking: false,
            },
            (1, false) => Role::Backup {
                primary: 0,
                asking: false,
            },
            _ => Role::Idle,
        };
        let mut ft = Ft {
            role,
            generation: 1,
            entry: 0,
            heard: 0,
        };
        if matches!(ft.role, Role::Primary { .. }) {
            ctx.set_timer(config.input_interval, Timer::Input);
        }
        if ft.peer().is_some() {
            ctx.set_timer(config.heartbeat, Timer::Beat);
            ft.arm_silence(ctx);
        }
        ft
    }

    fn on_message(&mut self, ctx: &mut Ctx<'_, Self>, from: NodeIdx, msg: Msg) {
        let peer = self.peer();
        match (&mut self.role, msg) {
            (Role::Storage, Msg::TestAndSet(generation)) => {
                let winner = *ctx.stable().flags.entry(generation).or_insert(from);
                let won = winner == from;
                ctx.send(from, Msg::TestAndSetReply { generation, won });
            }
            (Role::Idle, Msg::StartBackup { generation, entry }) => {
                self.role = Role::Backup {
                    primary: from,
                    asking: false,
                };
                self.generation = generation;
                self.entry = entry;
                ctx.send(from, Msg::Ack { generation, entry });
                let h = ctx.config().heartbeat;
                ctx.set_timer(h, Timer::Beat);
                self.arm_silence(ctx);
            }
            (_, Msg::TestAndSetReply { generation, won }) if generation == self.generation => {
                let asking = matches!(
                    self.role,
                    Role::Primary { asking: true, .. } | Role::Backup { asking: true, .. }
                );
                if !asking {
                    return;
                }
                if won {
                    self.go_live(ctx);
                } else {
                    self.halt();
                }
            }
            (Role::Backup { .. }, Msg::Log { generation, entry })
                if generation == self.generation && Some(from) == peer =>
            {
                self.entry = self.entry.max(entry);
                self.heard = ctx.now();
                ctx.send(from, Msg::Ack { generation, entry });
            }
            (
                Role::Primary {
                    backup, unacked, ..
                },
                Msg::Ack { generation, entry },
            ) if generation >= self.generation => {
                // The first ack of a new backup pairs it.
                let paired = backup.is_none() && generation > self.generation;
                if paired {
                    *backup = Some(from);
                    self.generation = generation;
                }
                if *backup == Some(from) {
                    let done: Vec<u64> = unacked.iter().copied().filter(|&e| e <= entry).collect();
                    unacked.retain(|&e| e > entry);
                    if ctx.config().output_rule {
                        for e in done {
                            release(ctx, e);
                        }
                    }
                    self.heard = ctx.now();
                }
                if paired {
                    ctx.observe(ObservationKind::Paired, Some(from));
                    let h = ctx.config().heartbeat;
                    ctx.set_timer(h, Timer::Beat);
                    self.arm_silence(ctx);
                }
            }
            (Role::Primary { .. } | Role::Backup { .. }, Msg::Heartbeat(generation))
                if generation == self.generation && Some(from) == peer =>
            {
                self.heard = ctx.now();
            }
            _ => {}
        }
    }

    fn on_timer(&mut self, ctx: &mut Ctx<'_, Self>, timer: Timer) {
        let config = *ctx.config();
        match timer {
            Timer::Input => {
                let Role::Primary {
                    backup, unacked, ..
                } = &mut self.role
                else {
                    return;
                };
                ctx.set_timer(config.input_interval, Timer::Input);
                self.entry += 1;
                let entry = self.entry;
                match *backup {
                    Some(b) => {
                        ctx.send(
                            b,
                            Msg::Log {
                                generation: self.generation,
                                entry,
                            },
                        );
                        if config.output_rule {
                            unacked.push(entry);
                        } else {
                            release(ctx, entry);
                        }
                    }
                    None => release(ctx, entry),
                }
            }
            Timer::Beat => {
                if let Some(peer) = self.peer() {
                    ctx.send(peer, Msg::Heartbeat(self.generation));
                    ctx.set_timer(config.heartbeat, Timer::Beat);
                }
            }
            Timer::Silence => {
                let asking = matches!(
                    self.role,
                    Role::Primary { asking: true, .. } | Role::Backup { asking: true, .. }
                );
                if self.peer().is_none() || asking {
                    return;
                }
                let deadline = self.heard + config.timeout;
                if ctx.now() >= deadline {
                    self.suspect(ctx);
                } else {
                    ctx.set_timer(deadline - ctx.now(), Timer::Silence);
                }
            }
            Timer::Restart => {
                let Role::Primary { backup: None, .. } = self.role else {
                    return;
                };
                let me = ctx.id();
                let generation = self.generation + 1;
                // The other VM hosts, in turn from the one after this one.
                let hosts: Vec<NodeIdx> = (1..ctx.nodes())
                    .map(|k| (me + k) % ctx.nodes())
                    .filter(|&n| n != STORAGE)
                    .collect();
                if let Some(&host) = hosts.first() {
                    ctx.send(
                        host,
                        Msg::StartBackup {
                            generation,
                            entry: self.entry,
                        },
                    );
                }
                ctx.set_timer(config.restart, Timer::Restart);
            }
        }
    }

    fn kind(msg: &Msg) -> &'static str {
        match msg {
            Msg::Log { .. } => "log",
            Msg::Ack { .. } => "ack",
            Msg::Heartbeat(_) => "heartbeat",
            Msg::TestAndSet(_) => "test-and-set",
            Msg::TestAndSetReply { .. } => "test-and-set-reply",
            Msg::StartBackup { .. } => "start-backup",
        }
    }
}
