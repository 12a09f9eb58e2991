package shard

import "strings"

// COMMAND and its subcommands describe the command table itself, so clients
// (redis-cli hints, cluster clients' key extraction) see what duva implements.

func init() {
	register(&Command{Name: "command", Arity: -1, Flags: FlagLoading | FlagStale, Group: "server", Summary: "Get array of Redis command details", Since: "2.8.13", Exec: commandCommand,
		Sub: map[string]*Command{
			"count":   {Arity: 2, Flags: FlagLoading | FlagStale, Summary: "Get total number of Redis commands", Since: "2.8.13", Exec: commandCountCommand},
			"info":    {Arity: -2, Flags: FlagLoading | FlagStale, Summary: "Get array of specific Redis command details, or all when no argument is given.", Since: "2.8.13", Exec: commandInfoCommand},
			"docs":    {Arity: -2, Flags: FlagLoading | FlagStale, Summary: "Get array of specific Redis command documentation", Since: "7.0.0", Exec: commandDocsCommand},
			"list":    {Arity: -2, Flags: FlagLoading | FlagStale, Summary: "Get an array of Redis command names", Since: "7.0.0", Exec: commandListCommand},
			"getkeys": {Arity: -4, Flags: FlagLoading | FlagStale, Summary: "Extract keys given a full Redis command", Since: "2.8.13", Exec: commandGetKeysCommand},
			"help":    {Arity: 2, Flags: FlagLoading | FlagStale, Summary: "Show helpful text about the different subcommands", Since: "5.0.0", Exec: helpCommand},
		}})
}

// topCommands lists the top-level commands in name order.
func topCommands() []*Command {
	var l []*Command
	for _, c := range commandList {
		if c.parent == nil {
			l = append(l, c)
		}
	}
	for i := 1; i < len(l); i++ {
		for j := i; j > 0 && l[j].Name < l[j-1].Name; j-- {
			l[j], l[j-1] = l[j-1], l[j]
		}
	}
	return l
}

func commandCommand(c *Ctx) {
	if len(c.Args) > 1 {
		c.Out = appendUnknownSubcommand(c.Out, c.Args[1], "command")
		return
	}
	cmds := topCommands()
	c.Array(len(cmds))
	for _, cmd := range cmds {
		c.commandInfo(cmd)
	}
}

func commandCountCommand(c *Ctx) { c.Int(int64(len(topCommands()))) }

func commandInfoCommand(c *Ctx) {
	if len(c.Args) == 2 {
		cmds := topCommands()
		c.Array(len(cmds))
		for _, cmd := range cmds {
			c.commandInfo(cmd)
		}
		return
	}
	c.Array(len(c.Args) - 2)
	for _, name := range c.Args[2:] {
		cmd := lookupFullName(string(name))
		if cmd == nil {
			c.Null()
			continue
		}
		c.commandInfo(cmd)
	}
}

// lookupFullName finds "get" or "config|get".
func lookupFullName(name string) *Command {
	name = strings.ToLower(name)
	if i := strings.IndexByte(name, '|'); i >= 0 {
		p := commandTable[name[:i]]
		if p == nil {
			return nil
		}
		return p.Sub[name[i+1:]]
	}
	return commandTable[name]
}

func (c *Command) flagList() []string {
	if c.infoFlags != nil {
		return c.infoFlags
	}
	var l []string
	for _, f := range flagNames {
		if c.Flags&f.f != 0 {
			l = append(l, f.name)
		}
	}
	return l
}

// aclOrder is the order in which Redis lists ACL categories.
var aclOrder = []string{"@keyspace", "@read", "@write", "@set", "@sortedset", "@list", "@hash", "@string",
	"@bitmap", "@hyperloglog", "@geo", "@stream", "@pubsub", "@admin", "@fast", "@slow", "@blocking",
	"@dangerous", "@connection", "@transaction", "@scripting"}

// aclCategories derives Redis's ACL categories from flags and group, in Redis's order.
func (c *Command) aclCategories() []string {
	if c.ACL != nil {
		return c.ACL
	}
	if c.Sub != nil {
		return []string{"@slow"} // containers
	}
	has := map[string]bool{}
	if c.Flags&FlagWrite != 0 {
		has["@write"] = true
	}
	if c.Flags&FlagReadonly != 0 && c.Group != "generic" {
		has["@read"] = true
	}
	if c.Flags&FlagAdmin != 0 {
		has["@admin"] = true
		has["@dangerous"] = true
	}
	switch c.Group {
	case "generic":
		has["@keyspace"] = true
	case "sorted-set":
		has["@sortedset"] = true
	case "string", "list", "set", "hash", "connection", "transactions", "pubsub", "scripting", "geo", "stream", "bitmap", "hyperloglog":
		has["@"+c.Group] = true
	}
	if c.Flags&FlagFast != 0 {
		has["@fast"] = true
	} else {
		has["@slow"] = true
	}
	var l []string
	for _, a := range aclOrder {
		if has[a] {
			l = append(l, a)
		}
	}
	return l
}

func (c *Ctx) commandInfo(cmd *Command) {
	c.Array(10)
	c.BulkString(cmd.Name)
	c.Int(int64(cmd.Arity))
	flags := cmd.flagList()
	c.Set(len(flags))
	for _, f := range flags {
		c.Simple(f)
	}
	c.Int(int64(cmd.FirstKey))
	c.Int(int64(cmd.LastKey))
	c.Int(int64(cmd.Step))
	cats := cmd.aclCategories()
	c.Set(len(cats))
	for _, a := range cats {
		c.Simple(a)
	}
	c.Set(len(cmd.Tips))
	for _, tip := range cmd.Tips {
		c.BulkString(tip)
	}
	specs := cmd.keySpecs()
	c.Array(len(specs))
	for _, ks := range specs {
		if ks.Notes != "" {
			c.Map(4)
			c.BulkString("notes")
			c.BulkString(ks.Notes)
		} else {
			c.Map(3)
		}
		c.BulkString("flags")
		c.Set(len(ks.Flags))
		for _, f := range ks.Flags {
			c.Simple(f)
		}
		c.BulkString("begin_search")
		c.Map(2)
		c.BulkString("type")
		if ks.Keyword != "" {
			c.BulkString("keyword")
			c.BulkString("spec")
			c.Map(2)
			c.BulkString("keyword")
			c.BulkString(ks.Keyword)
			c.BulkString("startfrom")
			c.Int(int64(ks.StartFrom))
		} else {
			c.BulkString("index")
			c.BulkString("spec")
			c.Map(1)
			c.BulkString("index")
			c.Int(int64(ks.Index))
		}
		c.BulkString("find_keys")
		c.Map(2)
		c.BulkString("type")
		c.BulkString("range")
		c.BulkString("spec")
		c.Map(3)
		c.BulkString("lastkey")
		c.Int(int64(ks.LastKey))
		c.BulkString("keystep")
		c.Int(int64(ks.Step))
		c.BulkString("limit")
		c.Int(int64(ks.Limit))
	}
	subs := sortedSubs(cmd)
	c.Array(len(subs))
	for _, s := range subs {
		c.commandInfo(s)
	}
}

// keySpecs are Redis's key specs for cmd, or one derived from its key positions.
func (cmd *Command) keySpecs() []KeySpec {
	if cmd.Specs != nil || cmd.FirstKey == 0 {
		return cmd.Specs
	}
	flags := []string{"RO", "access"}
	if cmd.Flags&FlagWrite != 0 {
		flags = []string{"RW", "update"}
	}
	last := cmd.LastKey
	if last > 0 {
		last -= cmd.FirstKey
	}
	return []KeySpec{{Flags: flags, Index: cmd.FirstKey, LastKey: last, Step: cmd.Step}}
}

func sortedSubs(cmd *Command) []*Command {
	var l []*Command
	for _, s := range cmd.Sub {
		l = append(l, s)
	}
	for i := 1; i < len(l); i++ {
		for j := i; j > 0 && l[j].Name < l[j-1].Name; j-- {
			l[j], l[j-1] = l[j-1], l[j]
		}
	}
	return l
}

func commandDocsCommand(c *Ctx) {
	var cmds []*Command
	if len(c.Args) == 2 {
		cmds = topCommands()
	} else {
		for _, n := range c.Args[2:] {
			if cmd := lookupFullName(string(n)); cmd != nil {
				cmds = append(cmds, cmd)
			}
		}
	}
	c.Map(len(cmds))
	for _, cmd := range cmds {
		c.BulkString(cmd.Name)
		c.commandDoc(cmd)
	}
}

func (c *Ctx) commandDoc(cmd *Command) {
	subs := sortedSubs(cmd)
	n := 3
	if len(subs) > 0 {
		n++
	}
	c.Map(n)
	c.BulkString("summary")
	c.BulkString(cmd.Summary)
	c.BulkString("since")
	c.BulkString(cmd.Since)
	c.BulkString("group")
	c.BulkString(cmd.Group)
	if len(subs) > 0 {
		c.BulkString("subcommands")
		c.Map(len(subs))
		for _, s := range subs {
			c.BulkString(s.Name)
			c.commandDoc(s)
		}
	}
}

func commandListCommand(c *Ctx) {
	var filter func(*Command) bool
	if len(c.Args) > 2 {
		if len(c.Args) != 5 || !strings.EqualFold(string(c.Args[2]), "filterby") {
			c.SyntaxError()
			return
		}
		arg := c.Args[4]
		switch strings.ToLower(string(c.Args[3])) {
		case "module":
			filter = func(*Command) bool { return false }
		case "aclcat":
			cat := "@" + strings.ToLower(string(arg))
			filter = func(cmd *Command) bool {
				for _, a := range cmd.aclCategories() {
					if a == cat {
						return true
					}
				}
				return false
			}
		case "pattern":
			filter = func(cmd *Command) bool { return match(arg, []byte(cmd.Name)) }
		default:
			c.SyntaxError()
			return
		}
	}
	var names []string
	for _, cmd := range commandList {
		if filter == nil || filter(cmd) {
			names = append(names, cmd.Name)
		}
	}
	sortStrings(names)
	c.Array(len(names))
	for _, n := range names {
		c.BulkString(n)
	}
}

func commandGetKeysCommand(c *Ctx) {
	args := c.Args[2:]
	cmd := lookupCommand(args[0])
	if cmd == nil {
		c.Error("ERR Invalid command specified")
		return
	}
	if cmd.Sub != nil {
		if sub := cmd.subcommand(args); sub != nil {
			cmd = sub
		}
	}
	if !cmd.arityOK(len(args)) {
		c.Error("ERR Invalid number of arguments specified for command")
		return
	}
	pos := cmd.keyPositions(args, nil)
	if len(pos) == 0 {
		if cmd.FirstKey == 0 && cmd.Keys == nil {
			c.Error("ERR The command has no key arguments")
		} else {
			c.Error("ERR Invalid arguments specified for command")
		}
		return
	}
	c.Array(len(pos))
	for _, i := range pos {
		c.Bulk(args[i])
	}
}
