package h2

import (
	"fmt"
	"math"

	"golang.org/x/net/http2"
)

// peerSettings are the peer's SETTINGS as they apply to what we send. Guarded
// by ClientConn.mu.
type peerSettings struct {
	maxFrameSize      uint32
	initialWindow     uint32
	maxHeaderListSize uint32 // math.MaxUint32 when the peer set no limit
	gotFirst          bool
}

func defaultPeerSettings() peerSettings {
	return peerSettings{maxFrameSize: minMaxFrameSize, initialWindow: initialWindow, maxHeaderListSize: math.MaxUint32}
}

// checkSetting enforces RFC 9113 §6.5.2 on one received setting.
func checkSetting(s http2.Setting) error {
	switch s.ID {
	case http2.SettingEnablePush:
		// §6.5.2: a client MUST treat a value other than 0 from a server
		// as a connection error of type PROTOCOL_ERROR.
		if s.Val != 0 {
			return ConnectionError{Code: ErrCodeProtocol, Reason: fmt.Sprintf("server sent SETTINGS_ENABLE_PUSH=%d", s.Val)}
		}
	case http2.SettingInitialWindowSize:
		if s.Val > maxWindow {
			return ConnectionError{Code: ErrCodeFlowControl, Reason: fmt.Sprintf("SETTINGS_INITIAL_WINDOW_SIZE %d exceeds 2^31-1", s.Val)}
		}
	case http2.SettingMaxFrameSize:
		if s.Val < minMaxFrameSize || s.Val > maxMaxFrameSize {
			return ConnectionError{Code: ErrCodeProtocol, Reason: fmt.Sprintf("SETTINGS_MAX_FRAME_SIZE %d outside 16384..16777215", s.Val)}
		}
	}
	return nil
}

// onSettings applies a SETTINGS frame from the reader goroutine and
// acknowledges it.
func (cc *ClientConn) onSettings(f *http2.SettingsFrame) error {
	if f.IsAck() {
		return nil
	}
	if err := f.ForeachSetting(checkSetting); err != nil {
		return err
	}
	cc.w.begin()
	if v, ok := f.Value(http2.SettingHeaderTableSize); ok {
		// The encoder takes what the peer allows, up to our own cap
		// (MaxEncoderHeaderTableSize, its limit), and announces the size
		// it takes in the next header block.
		cc.w.enc.SetMaxDynamicTableSize(v)
	}
	cc.mu.Lock()
	changed, err := cc.applySettingsLocked(f)
	cc.mu.Unlock()
	if err != nil {
		_ = cc.w.end()
		return err
	}
	cc.w.noteLocked(cc.w.fr.WriteSettingsAck())
	if cc.w.trace != nil {
		cc.w.traceWriteLocked(http2.FrameSettings, http2.FlagSettingsAck, 0, 0, "ack")
	}
	werr := cc.w.end()
	if changed && cc.onChange != nil {
		cc.onChange()
	}
	return werr
}

func (cc *ClientConn) applySettingsLocked(f *http2.SettingsFrame) (changed bool, err error) {
	p := &cc.peer
	if v, ok := f.Value(http2.SettingMaxFrameSize); ok {
		p.maxFrameSize = v
	}
	if v, ok := f.Value(http2.SettingMaxHeaderListSize); ok {
		p.maxHeaderListSize = v
	}
	if v, ok := f.Value(http2.SettingInitialWindowSize); ok {
		// §6.9.2: the change applies to every open stream's window, which
		// may go negative; passing 2^31-1 is a FLOW_CONTROL_ERROR.
		delta := int64(v) - int64(p.initialWindow)
		p.initialWindow = v
		for _, cs := range cc.streams {
			if !cs.send.add(delta) {
				return false, ConnectionError{Code: ErrCodeFlowControl, Reason: fmt.Sprintf("SETTINGS_INITIAL_WINDOW_SIZE change overflows stream %d's window", cs.id)}
			}
			if delta > 0 {
				signal(cs.sendable)
			}
		}
	}
	limit := cc.slots.limit
	if v, ok := f.Value(http2.SettingMaxConcurrentStreams); ok {
		limit = int(min(v, math.MaxInt32))
	} else if !p.gotFirst {
		limit = absentStreamLimit
	}
	p.gotFirst = true
	if limit != cc.slots.limit {
		cc.slots.limit = limit
		cc.slots.grant()
		changed = true
	}
	return changed, nil
}
