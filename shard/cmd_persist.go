package shard

func init() {
	register(
		&Command{Name: "save", Arity: 1, Flags: FlagAdmin | FlagNoScript | FlagNoMulti, Group: "server", Summary: "Synchronously save the dataset to disk", Since: "1.0.0", Exec: saveCommand},
		&Command{Name: "bgsave", Arity: -1, Flags: FlagAdmin | FlagNoScript, Group: "server", Summary: "Asynchronously save the dataset to disk", Since: "1.0.0", Exec: bgsaveCommand},
		&Command{Name: "bgrewriteaof", Arity: 1, Flags: FlagAdmin | FlagNoScript, Group: "server", Summary: "Asynchronously rewrite the append-only file", Since: "1.0.0", Exec: bgrewriteaofCommand},
		&Command{Name: "lastsave", Arity: 1, Flags: FlagLoading | FlagStale | FlagFast, Group: "server", Summary: "Get the UNIX time stamp of the last successful save to disk", Since: "1.0.0", Exec: lastsaveCommand},
	)
}

func lastsaveCommand(c *Ctx) { c.Int(c.e.persist.lastSave.Load()) }

// saveCommand is SAVE: the snapshot is written by this event loop's goroutine,
// so its other clients wait, as every client waits for Redis's SAVE; clients of
// other loops keep being served.
func saveCommand(c *Ctx) {
	if err := c.e.SaveNow(); err != nil {
		if err == errBusy {
			c.Error(err.Error())
			return
		}
		c.Error("ERR")
		return
	}
	c.OK()
}

func bgsaveCommand(c *Ctx) {
	schedule := false
	if len(c.Args) > 1 {
		if len(c.Args) > 2 || !argIs(c.Args[1], "SCHEDULE") {
			c.SyntaxError()
			return
		}
		schedule = true
	}
	p := &c.e.persist
	switch p.kind.Load() {
	case snapSave, snapBgsave:
		c.Error("ERR Background save already in progress")
		return
	case snapRewrite:
		if schedule {
			p.bgsaveSched.Store(true)
			c.Simple("Background saving scheduled")
			return
		}
		c.Error("ERR Another child process is active (AOF?): can't BGSAVE right now. Use BGSAVE SCHEDULE in order to schedule a BGSAVE whenever possible.")
		return
	}
	if !c.e.BackgroundSave() {
		c.Error("ERR Background save already in progress")
		return
	}
	c.Simple("Background saving started")
}

func bgrewriteaofCommand(c *Ctx) {
	p := &c.e.persist
	switch {
	case p.kind.Load() == snapRewrite:
		c.Error("ERR Background append only file rewriting already in progress")
	case p.kind.Load() != snapNone || p.log.Load() == nil:
		if p.log.Load() == nil && p.kind.Load() == snapNone {
			// Redis rewrites even with appendonly off (a one-off AOF); duva
			// needs the log open to switch incr files, so it reports this.
			c.Error("ERR Background append only file rewriting needs appendonly yes")
			return
		}
		p.rewriteSched.Store(true)
		c.Simple("Background append only file rewriting scheduled")
	default:
		if !c.e.BackgroundRewrite() {
			p.rewriteSched.Store(true)
			c.Simple("Background append only file rewriting scheduled")
			return
		}
		c.Simple("Background append only file rewriting started")
	}
}
