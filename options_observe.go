package plex

// WithEventListener installs l to receive connection and request events
// (see EventListener). Given more than once, every listener gets every
// event, in the order the options came. A nil l adds nothing.
func WithEventListener(l *EventListener) Option {
	return func(c *config) {
		if l != nil {
			cp := *l // later changes to the caller's struct change nothing
			c.events = mergeListeners(c.events, &cp)
		}
	}
}
