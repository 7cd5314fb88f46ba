"""claimtag: tag every sentence of war reporting as official claim, denial, unverified
report, rhetoric or other, with calibrated confidence."""

__version__ = "0.1.0"
