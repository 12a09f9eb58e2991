// Package gossip is duva's Redis Cluster bus: the node table, a UDP gossip
// protocol, failure detection, epochs, slot ownership and nodes.conf. It
// follows Redis 7.0's cluster.c semantics (clusterProcessPacket,
// clusterCron, clusterUpdateState, clusterCommand) over datagrams instead
// of TCP links. It imports nothing from the rest of duva.
//
// # Use
//
//	c, err := gossip.Open(gossip.Config{IP: "127.0.0.1", Port: 7000,
//		NodeTimeout: 15 * time.Second, ConfigFile: "nodes.conf",
//		RequireFullCoverage: true, OnChange: wake})
//	c.Meet("127.0.0.1", 7001, 0)      // CLUSTER MEET
//	c.AddSlotsRange([2]int{0, 5460})  // CLUSTER ADDSLOTSRANGE
//	r := c.Routing()                  // lock-free, allocation-free lookups
//	if !r.Mine(slot) { owner := r.OwnerOf(slot) /* -MOVED */ }
//
// Management methods return *CommandError values whose Error() is Redis's
// reply text without the leading '-' ("ERR Slot 5 is already busy").
// Text renderers give the exact replies: NodesText (CLUSTER NODES),
// InfoText (CLUSTER INFO); Slots, Shards and Links return the data of
// CLUSTER SLOTS, SHARDS and LINKS.
//
// # Concurrency
//
// One mutex (Cluster.mu) protects the node table. Two goroutines run the
// bus: the receiver (one datagram at a time) and the ticker (clusterCron,
// every NodeTimeout/20 clamped to 10..100 ms). UDP sends happen under the
// mutex; nodes.conf writes and OnChange calls never do. The routing
// snapshot is rebuilt under the mutex after a change and published through
// an atomic pointer.
//
// # Protocol
//
// Every NodeTimeout/4 a node PINGs each known node; the PONG answers it.
// While a PING is unanswered it is retransmitted every NodeTimeout/10, so
// isolated datagram loss does not cause suspicion. A node with a PING
// outstanding and no valid datagram for NodeTimeout is PFAIL ("fail?").
// Every PING/PONG gossips all PFAIL/FAIL nodes plus a random sample of
// max(3, nodes/10) others; a master's gossip of PFAIL/FAIL counts as a
// failure report, valid 2 x NodeTimeout. When reports from a majority of
// the masters serving slots (this node included) agree, the node becomes
// FAIL and a FAIL message is broadcast. FAIL clears when the node answers
// a PING again: at once for a replica or a master without slots, after
// 2 x NodeTimeout for a master with slots (clearNodeFailureIfNeeded).
//
// MEET starts a handshake: the peer is added with a random id and the
// handshake flag, and renamed when its PONG reveals its id. Unknown nodes
// seen in gossip are met the same way, unless FORGET blacklisted them
// (60 s). Datagrams from unknown senders are ignored, except MEET and a
// PONG answering a handshake.
//
// Ordering: every message carries a sequence number that strictly
// increases per sender and is seeded from the wall clock in ns, so it also
// increases across restarts. A receiver ignores a message whose sequence is
// not above the last one it applied from that sender, so duplicated and
// reordered datagrams change nothing. A PONG also echoes the sequence of
// the PING it answers (ack); only an ack newer than any before and younger
// than 2 x NodeTimeout counts as liveness, and such a proven-fresh PONG is
// accepted even if its sequence went backwards (the peer's clock stepped
// back across a restart).
//
// Slots: a master's claims are applied as Redis's
// clusterUpdateSlotsConfigWith: a claimed slot goes to the claimant if it
// is unassigned or held by a node with a lower configEpoch (a slot being
// imported is left alone). Equal configEpochs between masters are resolved
// by clusterHandleConfigEpochCollision (the smaller id takes a new epoch).
//
// # Wire format (version 1)
//
// All integers are big-endian; ids travel as 20 raw bytes (all zero = none).
// A datagram is at most MaxMessage (1400) bytes; decode rejects anything
// inconsistent (length, CRC, counts, ranges, ip syntax) and never panics.
//
//	off  size  field
//	0    2     magic "DG"
//	2    1     version (accepted: 1..1)
//	3    1     type: 0 PING, 1 PONG, 2 MEET, 3 FAIL (ONLY APPEND; Redis's numbering)
//	4    2     total length
//	6    4     CRC-32C of bytes [10:length]
//	10   8     seq   sender's message sequence
//	18   8     ack   PONG: seq of the PING/MEET answered, else 0
//	26   20    sender node id
//	46   20    sender shard id
//	66   20    sender's master id (replicas)
//	86   8     currentEpoch
//	94   8     configEpoch
//	102  8     replication offset
//	110  2     flags (Redis CLUSTER_NODE_* bits)
//	112  2     client port
//	114  2     bus port
//	116  1+n   ip (n <= 45), then 1+h hostname (h <= 255)
//	PING, PONG, MEET body:
//	     2     slotLo  \ the sender claims exactly the ranges below
//	     2     slotHi  / within [slotLo, slotHi], and says nothing outside
//	     2     range count, then count x (2 start, 2 end), sorted, inside the window
//	     1     gossip count, then per entry:
//	           20 id, 2 flags, 2 port, 2 bus port, 8 pong-received ms, 1+n ip
//	FAIL body:
//	     20    id of the failing node
//
// A node whose slot ranges do not fit in one datagram sends them as
// successive windows (a cursor per destination), so the full set reaches
// every node after a few PINGs. Gossip gets at most half of the space when
// ranges need the rest.
//
// # nodes.conf
//
// Redis 7.0's format, written atomically (temp file, fsync, rename, fsync
// of the directory) after every change:
//
//	<id> <ip>:<port>@<cport>[,<hostname>] <flags> <master-id|-> <ping-sent> <pong-recv> <config-epoch> <link-state> <slot ranges> [<slot>->-<id>] [<slot>-<-<id>]
//	vars currentEpoch <n> lastVoteEpoch <n> myShardId <id>
//
// myShardId is our addition to the vars line (Redis 7.0 skips unknown
// vars); the loader also accepts 7.2's "shard-id=" aux field and the
// pre-4.0 address without "@cport".
//
// # Differences from Redis
//
//   - Datagrams instead of TCP links: "connected" in CLUSTER NODES means a
//     valid datagram arrived within NodeTimeout; CLUSTER LINKS buffers are 0.
//   - PINGs every NodeTimeout/4 with retransmission instead of one random
//     PING per second plus PINGs after NodeTimeout/2.
//   - PFAIL is promoted to FAIL in the cron as well as on a report.
//   - A master's slot claims are authoritative for its own slots: a slot it
//     stops claiming becomes unassigned everywhere (DELSLOTS propagates).
//   - No UPDATE message: every node PINGs every node, so a stale claimant
//     learns the winner's claim directly.
//   - No replicas, failover, PUBLISH or module messages yet; the header
//     already carries role, master id and replication offset.
package gossip
