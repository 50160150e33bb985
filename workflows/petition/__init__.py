"""The statutory petition process (信访, 《信访工作条例》2022) on the shared engine (`workflows.engine`)."""
