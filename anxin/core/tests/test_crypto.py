from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.db import connection

from anxin.clients.models import Client
from anxin.core import crypto
from anxin.core.testing import register

NEW_KEY = "k2:" + crypto.new_key()


def raw_id(pk: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT id_number FROM clients_client WHERE id = %s", [pk])
        return cursor.fetchone()[0]


def test_round_trip_and_random_nonce(settings):
    a, b = crypto.encrypt("440103198001010011"), crypto.encrypt("440103198001010011")
    assert a != b and crypto.decrypt(a) == crypto.decrypt(b) == "440103198001010011"


def test_tampering_is_detected():
    stored = crypto.encrypt("秘密")
    prefix, key_id, body = stored.split(":", 2)
    tampered = f"{prefix}:{key_id}:{body[:-4]}AAA="
    with pytest.raises(Exception):  # noqa: B017 - cryptography raises InvalidTag
        crypto.decrypt(tampered)


def test_blind_index_is_stable_and_keyed(settings):
    first = crypto.blind_index("x", purpose="p")
    assert first == crypto.blind_index("x", purpose="p") != crypto.blind_index("y", purpose="p")
    settings.ANXIN_INDEX_KEY = "another-key"
    assert crypto.blind_index("x", purpose="p") != first


def test_bad_key_configuration_is_explained():
    with pytest.raises(ImproperlyConfigured, match="32 bytes"):
        crypto.parse_keyring("k1:c2hvcnQ=")


def test_key_rotation_keeps_data_readable(world, settings):
    client = register(world).client
    old_spec = settings.ANXIN_FIELD_KEYS
    assert crypto.key_id_of(raw_id(client.pk)) == "t1"
    settings.ANXIN_FIELD_KEYS = f"{NEW_KEY},{old_spec}"
    assert Client.objects.get(pk=client.pk).id_number == client.id_number  # old key still decrypts
    call_command("rotate-keys")
    assert crypto.key_id_of(raw_id(client.pk)) == "k2"
    settings.ANXIN_FIELD_KEYS = NEW_KEY  # the old key can now go
    assert Client.objects.get(pk=client.pk).id_number == client.id_number
