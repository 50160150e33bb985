"""Process settings, read once from the environment (and an optional `.env`).

Every process (web, worker, dev runner) reads the same names, documented in the README and in
`deploy/.env.example`. Outside dev mode an unsafe value stops the process at start-up.
"""

from __future__ import annotations

import ipaddress
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, ValidationInfo, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEV_SECRET_KEY = "dev-only-insecure-secret-key-change-me"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    # dev: the embedded single-machine service started by `make run`; anything else is production.
    liudan_env: str = "production"
    temporal_address: str = "localhost:7233"
    temporal_namespace: str = "default"
    task_queue: str = "liudan-cases"
    database_url: str = "sqlite:///var/liudan.db"
    temporal_ui_url: str = "http://localhost:8233"
    secret_key: str = DEV_SECRET_KEY
    data_dir: Path = Path("var")
    web_host: str = "127.0.0.1"
    web_port: int = 8000
    temporal_port: int = 7233
    temporal_ui_port: int = 8233
    # Case codes read HJ-2026-000123: district prefix, year, store sequence.
    district_prefix: str = "HJ"
    # Petition codes read XF-2026-000123 (信访), on a sequence of their own.
    petition_prefix: str = Field(default="XF", pattern="^[A-Z]{1,8}$")
    # Idle sessions end after this many minutes; a user is locked out after this many failures.
    session_idle_minutes: int = 30
    login_max_failures: int = 5
    login_lockout_minutes: int = 15
    # Resident portal abuse limits, per client address: submissions (ratings, withdrawals) and
    # unknown tracking links each allowed this many times per window; each photo at most this size.
    portal_rate_limit: int = 10
    portal_rate_window_seconds: int = 3600
    # Open311 requests per API key per hour: a client system files for many residents at once.
    open311_rate_limit: int = 600
    upload_max_bytes: int = 5 * 1024 * 1024
    # Addresses (IPs or CIDR networks, comma-separated) of reverse proxies whose X-Forwarded-For is
    # believed. Empty: no forwarded header is believed, the socket's peer is the client.
    trusted_proxies: str = ""
    # Keys that encrypt payloads in Temporal (personal data): "id:base64key,id:base64key", the first
    # encrypts, all decrypt (so keys rotate). Empty in dev: `make run` keeps one in DATA_DIR.
    payload_keys: str = ""
    # 三天工作法 (长沙县's local practice): a first-time petition is registered, accepted and assigned
    # within 3 working days, on a clock of its own beside the regulation's 15 days. Off by default.
    petition_three_day: bool = False
    # Drill mode: the seconds-long drill clocks are offered (六单) and used (信访). Never for real cases;
    # dev mode offers the 六单 drill policy too.
    drill_mode: bool = False
    # Open311 GeoReport v2: the jurisdiction this server answers for (clients send it as jurisdiction_id).
    open311_jurisdiction_id: str = "hj.liudan.local"
    # Every Temporal call from the web is bounded, so an outage is a clear 503 within seconds.
    temporal_rpc_timeout_seconds: float = 10.0
    # Logs: one JSON object per line (production), or human lines (`make run` defaults to text).
    log_format: Literal["json", "text"] = "json"
    # Who may read Prometheus metrics (the web's /metrics and the worker's metrics port): clients whose
    # address (resolved as for TRUSTED_PROXIES) lies in these networks, comma-separated. Metrics carry
    # org ids and counts, never personal data, but they are for the monitoring system only.
    metrics_allowed_networks: str = "127.0.0.1/32,::1/128"
    # The worker serves its metrics (the Temporal SDK's runtime series, the open/overdue/escalated
    # gauges) on this address and port; port 0 turns the endpoint off. `make run` runs the worker as a
    # process of its own, so its metrics are here too, not on the web's /metrics.
    worker_metrics_host: str = "127.0.0.1"
    worker_metrics_port: int = Field(default=9464, ge=0, le=65535)
    # OpenTelemetry traces (web request -> Temporal client -> workflow and activities) go to this
    # OTLP/HTTP collector (its base URL, e.g. http://otel-collector:4318; /v1/traces is added), as the
    # standard OTEL_EXPORTER_OTLP_ENDPOINT means. Empty: no tracing at all.
    otel_exporter_otlp_endpoint: str = ""
    # Notifications (issue 15). Links in SMS and email start with PUBLIC_URL (the address residents
    # reach the portal at). SMS: `outbox` writes each message to the sms_outbox table (development,
    # tests, a district without an SMS contract); `aliyun` sends through Alibaba Cloud SendSms with the
    # key below, one registered template per notice event ("received=SMS_123,result=SMS_456").
    public_url: str = "http://localhost:8000"
    sms_provider: Literal["outbox", "aliyun"] = "outbox"
    sms_sign_name: str = "六单诉求办理"
    aliyun_access_key_id: str = ""
    aliyun_access_key_secret: str = ""
    aliyun_sms_templates: str = ""
    # Email notices go through this SMTP server; no host: email is off (email notices are skipped).
    smtp_host: str = ""
    smtp_port: int = 25
    smtp_username: str = ""
    smtp_password: str = ""
    smtp_sender: str = "liudan@localhost"
    smtp_starttls: bool = False
    # No SMS in these hours (Beijing time); one held is sent when they end. Empty: none.
    notify_quiet_hours: str = Field(default="21:00-08:00", pattern=r"^(\d{2}:\d{2}-\d{2}:\d{2})?$")
    # How often the dispatcher (the Temporal Schedule liudan-notifications) delivers queued notices.
    notify_interval_seconds: int = Field(default=60, ge=10)
    # Where the web's rate limits (failed logins and portal submissions per address, unknown tracking
    # links, Open311 requests per key) count: `database`, in the read model, shared by every web
    # process, so two processes do not double a limit; `memory`, per process (a single process only).
    rate_limit_backend: Literal["memory", "database"] = "database"

    # Workflows the worker keeps in memory (its sticky cache): each costs about 0.35 MB (bench/scale.py
    # measured 349 MiB per 1,000), so this bounds the worker's memory; a case beyond it is replayed from
    # its history when it next moves.
    worker_max_cached_workflows: int = Field(default=1000, ge=10)

    @field_validator("trusted_proxies", "metrics_allowed_networks")
    @classmethod
    def _are_networks(cls, value: str, info: ValidationInfo) -> str:
        for entry in filter(None, (e.strip() for e in value.split(","))):
            try:
                ipaddress.ip_network(entry, strict=False)
            except ValueError:
                name = (info.field_name or "").upper()
                raise ValueError(f"{name}: {entry!r} is not an IP address or network") from None
        return value

    @property
    def dev_mode(self) -> bool:
        return self.liudan_env == "dev"

    @property
    def drills_allowed(self) -> bool:
        return self.dev_mode or self.drill_mode

    @model_validator(mode="after")
    def _refuse_unsafe_production(self) -> Settings:
        if not self.dev_mode and self.secret_key == DEV_SECRET_KEY:
            raise ValueError(
                "SECRET_KEY is the built-in development key; set SECRET_KEY to a long random value "
                "(or LIUDAN_ENV=dev for a local demo)"
            )
        if self.sms_provider == "aliyun" and not (
            self.aliyun_access_key_id and self.aliyun_access_key_secret
        ):
            raise ValueError("SMS_PROVIDER=aliyun needs ALIYUN_ACCESS_KEY_ID and ALIYUN_ACCESS_KEY_SECRET")
        if not self.dev_mode and len(self.secret_key) < 32:
            raise ValueError("SECRET_KEY must be at least 32 characters outside dev mode")
        return self


@lru_cache
def get_settings() -> Settings:
    return Settings()
