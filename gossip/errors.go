package gossip

import (
	"errors"
	"fmt"
)

// CommandError is a reply error of a cluster management method. Its text is
// exactly what Redis 7.0 sends after the leading '-' (for example
// "ERR Slot 5 is already busy"), so the server writes "-" + err.Error() +
// "\r\n".
type CommandError struct{ Msg string }

func (e *CommandError) Error() string { return e.Msg }

func cmdErr(format string, args ...any) error {
	return &CommandError{Msg: "ERR " + fmt.Sprintf(format, args...)}
}

// Errors returned by management methods. They are *CommandError values, so
// they also render Redis's reply text.
var (
	// ErrInvalidSlot is Redis's reply to a slot outside 0..16383 or not a number.
	ErrInvalidSlot error = &CommandError{"ERR Invalid or out of range slot"}
	// ErrForgetMyself is returned by Forget(MyID()).
	ErrForgetMyself error = &CommandError{"ERR I tried hard but I can't forget myself..."}
	// ErrFlushSlotsNotEmpty is returned by FlushSlots when the database holds keys.
	ErrFlushSlotsNotEmpty error = &CommandError{"ERR DB must be empty to perform CLUSTER FLUSHSLOTS."}
	// ErrResetNotEmpty is returned by Reset on a master that holds keys.
	ErrResetNotEmpty error = &CommandError{"ERR CLUSTER RESET can't be called with master nodes containing keys"}
	// ErrSetEpochKnowsOthers is SET-CONFIG-EPOCH's reply when other nodes are known.
	ErrSetEpochKnowsOthers error = &CommandError{"ERR The user can assign a config epoch only when the node does not know any other node."}
	// ErrSetEpochNonZero is SET-CONFIG-EPOCH's reply when the epoch is already set.
	ErrSetEpochNonZero error = &CommandError{"ERR Node config epoch is already non-zero"}
	// ErrSetSlotSyntax is SETSLOT's reply to an unknown action.
	ErrSetSlotSyntax error = &CommandError{"ERR Invalid CLUSTER SETSLOT action or number of arguments. Try CLUSTER HELP"}
)

// Errors of the package itself (not command replies).
var (
	// ErrClosed is returned by methods called after Close.
	ErrClosed = errors.New("gossip: cluster closed")
	// ErrCorruptConfig marks a nodes.conf that cannot be parsed; errors.Is
	// recognises it in the *ConfigError returned by Open and LoadConfig.
	ErrCorruptConfig = errors.New("gossip: corrupt cluster config file")
	// errMalformed is returned by decode for any datagram it rejects.
	errMalformed = errors.New("gossip: malformed message")
)

// ConfigError reports a bad line of a nodes.conf file.
type ConfigError struct {
	File string
	Line int // 1-based
	Msg  string
}

func (e *ConfigError) Error() string {
	return fmt.Sprintf("gossip: %s:%d: %s", e.File, e.Line, e.Msg)
}

// Unwrap makes errors.Is(err, ErrCorruptConfig) true.
func (e *ConfigError) Unwrap() error { return ErrCorruptConfig }
