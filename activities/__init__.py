"""Side effects of the case workflow: read-model projection, deadline computation, notifications."""
