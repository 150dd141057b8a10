"""Live updates: every committed change is announced to the train's open pages, which re-render
the parts it touches from the server (art.live.events publishes, art.live.consumers delivers,
static/js/live.js refreshes). Presence (who has a page open, which card they edit) rides the same
sockets (art.live.presence)."""
