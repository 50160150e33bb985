"""约访: a resident's booked appointment with a leader, with its reminder, as a process on the engine."""
