"""Money in and out: bank statements, memo matching, monthly reports, VietQR."""
