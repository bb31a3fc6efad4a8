from anxin.cases.models import Case
from anxin.core.testing import register


def test_world_and_register(world):
    case = register(world)
    assert case.status == Case.Status.OPEN
    assert case.client.name_initials == "zs"
