"""The load report counts every failure hey prints, and nothing else."""

import pytest
from testbed import LoadReport, parse_hey

LATENCY = """
Summary:
  Total:\t23.0888 secs
  Slowest:\t1.2470 secs
  Fastest:\t0.0018 secs

Response time histogram:
  0.002 [1]\t|
  0.004 [2279]\t|■■■■■■■■■■■■■■■■■■■■■■■■■■■■■■■■■■■■■■

Latency distribution:
  10% in 0.0029 secs
  50% in 0.0042 secs
  99% in 0.0110 secs
"""


def test_a_clean_run_has_no_failure():
    report = LATENCY + "\nStatus code distribution:\n  [200]\t5103 responses\n"

    assert parse_hey(report) == LoadReport(
        requests=5103, failed=0, p50_ms=4.2, p99_ms=11.0, max_ms=1247.0
    )


def test_errors_and_server_errors_are_failures_and_redirects_are_not():
    report = LATENCY + (
        "\nStatus code distribution:\n"
        "  [200]\t917 responses\n"
        "  [302]\t3 responses\n"
        "  [502]\t4 responses\n"
        "\nError distribution:\n"
        '  [202]\tGet "http://127.0.0.1:8002/": EOF\n'
        '  [1]\tGet "http://127.0.0.1:8002/": read: connection reset by peer\n'
    )

    assert parse_hey(report) == LoadReport(
        requests=1127, failed=207, p50_ms=4.2, p99_ms=11.0, max_ms=1247.0
    )


def test_a_report_without_latencies_is_an_error_that_shows_it():
    with pytest.raises(ValueError, match="no latency percentiles in hey's report"):
        parse_hey("Error distribution:\n  [3]\tGet: connection refused\n")
