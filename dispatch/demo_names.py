"""The demo company's configured names in Romanian beside their English: categories, their
fields and choices, asset types and theirs, departments. The demo keeps English in the plain
columns (the names its data refers to) and both languages in ``translations``, so each of its
people reads them in their own language."""

from __future__ import annotations

from typing import Any

ROMANIAN = {
    # departments
    "Finance": "Financiar",
    "Sales": "Vânzări",
    "Logistics": "Logistică",
    "Human Resources": "Resurse umane",
    "Engineering": "Inginerie",
    "Customer Service": "Relații cu clienții",
    # categories
    "Hardware": "Echipamente",
    "Software": "Programe",
    "Network": "Rețea",
    "Printer": "Imprimantă",
    "Account and access": "Cont și acces",
    "Meeting room and audio-video": "Sală de ședințe și audio-video",
    "Electrical and power": "Electric și alimentare",
    # fields and choices
    "Device type": "Tip de echipament",
    "Desktop": "Calculator",
    "Laptop": "Laptop",
    "Monitor": "Monitor",
    "Docking station": "Stație de andocare",
    "Phone": "Telefon",
    "Other": "Altul",
    "Asset tag": "Etichetă de inventar",
    "Make and model": "Marcă și model",
    "Application": "Aplicație",
    "Version": "Versiune",
    "Operating system": "Sistem de operare",
    "Wall outlet / port label": "Priză de perete / eticheta portului",
    "Printer asset tag": "Eticheta de inventar a imprimantei",
    "Pages waiting": "Pagini în așteptare",
    "Needed by": "Necesar până la",
    # asset types and their fields
    "Memory (GB)": "Memorie (GB)",
    "Toner cartridge": "Cartuș de toner",
    "Network name": "Nume în rețea",
    "Network switch": "Switch de rețea",
    "Projector": "Videoproiector",
    "UPS": "UPS",
    "Ports": "Porturi",
    "Battery replaced on": "Baterie schimbată la",
}


def in_both(**texts: Any) -> dict[str, dict[str, Any]]:
    """``translations`` for English texts: each attribute in English and in Romanian (a text
    without a Romanian name, such as "Windows 11", is the same in both)."""

    def romanian(value: Any) -> Any:
        if isinstance(value, list):
            return [ROMANIAN.get(v, v) for v in value]
        return ROMANIAN.get(value, value)

    return {
        attribute: {"en": value, "ro": romanian(value)}
        for attribute, value in texts.items()
        if value not in (None, "", [])
    }
