"""The twelve priority sectors of Mayo & Moore (2001, "Making it Happen").

Each sector is data: the numbers that make a school differ from a recycling round. They enter the parameter
registry as ``<sector>.<field>`` so that a scenario can override any of them and the sensitivity analysis can
vary them; the registry, not this table, is what the model reads.

Money is in pounds per user-month; quality and utility are in "standard quality" units (1.0 = the quality a
provider delivers at standard funding with an average workforce and no effort distortions).

Sources. The seed names the sectors but gives no numbers, so every value here is an assumption. Unit costs are
rounded orders of magnitude of UK spending per user (cf. DfE school funding statistics, PSSRU "Unit Costs of
Health and Social Care", CIPFA local authority statistics); contractibility and the quality damage of cost cutting
follow the ordering argued by Hart, Shleifer & Vishny (1997) and Le Grand (2003): person-centred care and youth
justice hardest to contract, refuse collection easiest. Co-production potential follows the ordering in Bovaird
(2007) and Parks et al. (1981). Treat all of them as plausible starting points to vary, not measurements.
Elderly care's prevalence (3% of adults) follows the councils' adult social care in England: 858,720 people
received long-term support in 2023-24 (1.9% of adults; NHS England, Adult Social Care Activity and Finance
Report), more with short-term support; the default model is checked against real figures by
``mutual-state calibrate`` (``sim/calibration_targets.toml``). Staff quit rates relative to ``quit_base_rate``
(``quit_ratio``): elderly care 1.6 (Skills for Care: ~30% turnover a year in adult social care), primary schools
0.75 (Smithers & Robinson 2004: 13.6% turnover of primary teachers), others 1 (assumption).

At the real scale (ODD §9, D-M2; checked by the spending targets of ``sim/calibration_targets.toml``): primary
schools serve 10% of adults (DfE, Schools, pupils and their characteristics 2023/24: 4,614,990 pupils in
state-funded primary schools, against about 45.5 million adults in England, ONS mid-2023 estimates), at £450
per standard-need pupil-month (about £540 per pupil with the high-need mix: IFS school spending per pupil,
primary about 16% below secondary); elderly care at £1,400 per standard-need user-month (gross long-term support
£21.4 bn for 858,720 clients in 2023-24 is £2,077 a client-month; the model's users include short-term ones). Users pay charges for some services (``charge_share``, to the guarantor,
whoever runs the service): elderly care 0.16 (DHSC, Adult social care finance report 2024-25: client
contributions about £4.7 bn of £29.4 bn gross current expenditure); leisure 0.5 (assumption: fees meet about half
of council sport facilities' costs, e.g. Moray Council's local financial returns 2018-23: income £9.8 m of £19.7
m); others 0. Leisure's fixed cost (£1,000 a provider-month) is that of the model's small facility: one per
about 1,500 adults, where England's 2,727 council leisure centres (LGA 2022) are one per 16,700 adults.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

SECTOR_SOURCE = (
    "assumption: order of magnitude of UK practice (DfE, PSSRU, CIPFA); ordering after "
    "Hart-Shleifer-Vishny 1997, Bovaird 2007"
)


@dataclass(frozen=True)
class Sector:
    """Documented parameters of one public service."""

    name: str
    unit_cost: float  # £ per user-month at standard quality
    fixed_cost: float  # £ per provider-month, whatever its size (scale economies)
    need_prevalence: float  # share of adults who use it
    need_volatility: float  # monthly chance that a user's need ends and starts afresh (with another resident if any)
    staff_per_100_users: float  # workers per 100 users
    contractibility: float  # share of quality a contract or inspector can specify and verify
    theta: float  # non-contractible quality lost per unit of cost reduction (HSV b(e) = theta * c(e))
    coproduction_r: float  # multiplication factor r of the co-production public goods game
    mismatch_weight: float  # lambda_s: utility lost per unit of design mismatch
    outside_option: float  # sigma_s: utility of going without (family care, private purchase, nothing)
    quit_ratio: float = 1.0  # staff quit rate relative to quit_base_rate (sector-specific turnover)
    charge_share: float = 0.0  # share of the standard cost users pay as charges (to the guarantor), every kind alike


SECTORS: dict[str, Sector] = {
    s.name: s
    for s in [
        Sector("health", 15.0, 3000.0, 0.75, 0.010, 0.12, 0.5, 0.8, 2.0, 0.6, 0.2),
        Sector("primary_education", 450.0, 8000.0, 0.10, 0.012, 7.0, 0.6, 0.7, 2.5, 0.8, 0.3, quit_ratio=0.75),
        Sector("secondary_education", 600.0, 15000.0, 0.12, 0.017, 7.5, 0.6, 0.6, 2.0, 0.8, 0.3),
        Sector("elderly_care", 1400.0, 5000.0, 0.03, 0.030, 25.0, 0.3, 1.2, 2.0, 1.0, 0.3, quit_ratio=1.6,
               charge_share=0.16),
        Sector("childcare", 600.0, 4000.0, 0.08, 0.030, 12.0, 0.5, 0.9, 2.5, 0.8, 0.4),
        Sector("employment_advice", 150.0, 2000.0, 0.04, 0.080, 3.0, 0.7, 0.5, 1.8, 0.6, 0.3),
        Sector("parks_libraries", 8.0, 1500.0, 0.60, 0.010, 0.2, 0.6, 0.4, 3.0, 0.5, 0.4),
        Sector("leisure", 10.0, 1000.0, 0.30, 0.020, 0.3, 0.7, 0.3, 2.5, 0.5, 0.5, charge_share=0.5),
        Sector("recycling", 4.0, 1000.0, 1.00, 0.002, 0.15, 0.9, 0.2, 2.0, 0.3, 0.1),
        Sector("housing", 80.0, 3000.0, 0.17, 0.008, 1.0, 0.5, 0.8, 2.5, 0.7, 0.2),
        Sector("youth_justice", 1500.0, 3000.0, 0.005, 0.080, 20.0, 0.3, 1.3, 1.5, 0.9, 0.1),
        Sector("regeneration", 20.0, 2000.0, 0.25, 0.010, 0.3, 0.4, 0.6, 3.0, 0.6, 0.3),
    ]
}

SECTOR_NAMES: tuple[str, ...] = tuple(SECTORS)
# Three contrasting defaults: schools (mid contractibility), elderly care (quality hardest to contract: HSV's
# case against contracting out) and leisure (easy to contract; the sector of the best-known UK public service
# mutual, Greenwich Leisure, 1993).
DEFAULT_SECTORS: tuple[str, ...] = ("primary_education", "elderly_care", "leisure")

SECTOR_FIELDS: dict[str, tuple[str, str, tuple[float, float]]] = {
    # field: (unit, description, allowed bounds)
    "unit_cost": ("£/user-month", "spending per standard-need user at standard quality (a high-need user costs "
                  "high_need_level times as much)", (0.01, 1e5)),
    "fixed_cost": ("£/provider-month", "fixed cost of running one provider, whatever its size", (0.0, 1e6)),
    "need_prevalence": ("share of adults", "share of adults who use the service", (0.001, 1.0)),
    "need_volatility": ("1/month", "chance a user's need ends and starts afresh, with another resident where one "
                        "does not need it yet", (0.0, 1.0)),
    "staff_per_100_users": ("workers/100 users", "staffing ratio", (0.01, 100.0)),
    "contractibility": ("share", "share of quality a contract or inspector can verify", (0.0, 1.0)),
    "theta": ("quality/cost cut", "non-contractible quality lost per unit of cost reduction", (0.0, 5.0)),
    "coproduction_r": ("factor", "multiplication factor r of the co-production game", (0.0, 20.0)),
    "mismatch_weight": ("utility/mismatch", "utility lost per unit of design mismatch", (0.0, 10.0)),
    "outside_option": ("utility", "utility of going without (sigma)", (-5.0, 5.0)),
    "quit_ratio": ("-", "staff quit rate relative to quit_base_rate", (0.0, 20.0)),
    "charge_share": ("share", "share of the service's standard cost users pay as charges, whoever runs it",
                     (0.0, 1.0)),
}

assert set(SECTOR_FIELDS) == {f.name for f in fields(Sector)} - {"name"}
