"""局长信箱: a letter to the director, reviewed by a deputy, approved and assigned by the director,
answered by a unit, the answer returned to the writer, as a process on the engine."""
