"""Notifications: the dispatcher that delivers queued notices, and the leaders' daily digest."""
