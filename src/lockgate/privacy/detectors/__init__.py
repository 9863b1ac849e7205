"""One module per entity type; ``default_detectors`` builds the structured-data set."""

from __future__ import annotations

from lockgate.privacy.detectors.credential import CredentialDetector
from lockgate.privacy.detectors.credit_card import CreditCardDetector
from lockgate.privacy.detectors.email_address import EmailDetector
from lockgate.privacy.detectors.iban import IbanDetector
from lockgate.privacy.detectors.ip_address import IpAddressDetector
from lockgate.privacy.detectors.ner import NerDetector, ner_available
from lockgate.privacy.detectors.phone import PhoneDetector
from lockgate.privacy.detectors.ssn import SsnDetector
from lockgate.privacy.protocols import Detector

STRUCTURED_TYPES = (
    "CREDENTIAL",
    "CREDIT_CARD",
    "EMAIL",
    "IBAN",
    "IP_ADDRESS",
    "PHONE",
    "US_SSN",
)


def default_detectors(phone_regions: tuple[str, ...] = ("US",)) -> tuple[Detector, ...]:
    """Every structured detector; none needs a model or an optional dependency."""
    return (
        EmailDetector(),
        CredentialDetector(),
        IbanDetector(),
        CreditCardDetector(),
        SsnDetector(),
        IpAddressDetector(),
        PhoneDetector(regions=phone_regions),
    )


__all__ = [
    "STRUCTURED_TYPES",
    "CredentialDetector",
    "CreditCardDetector",
    "EmailDetector",
    "IbanDetector",
    "IpAddressDetector",
    "NerDetector",
    "PhoneDetector",
    "SsnDetector",
    "default_detectors",
    "ner_available",
]
