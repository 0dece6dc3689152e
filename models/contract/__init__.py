from . import maintenance_equipment
from . import support_contract
from . import support_ticket
