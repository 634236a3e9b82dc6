/** "Any zone" or one zone: where the menu and the price preview price for (zone-scoped rules). */
import { useSortedItems } from '../hooks';

export function ZoneSelect({
  id,
  value,
  onChange,
}: {
  id?: string;
  value: string;
  onChange: (zoneId: string) => void;
}) {
  const zones = useSortedItems('zone');
  return (
    <select id={id} className="input" value={value} onChange={(e) => onChange(e.target.value)}>
      <option value="">Any zone</option>
      {zones.map((z) => (
        <option key={z.id} value={z.id}>
          {z.name}
        </option>
      ))}
    </select>
  );
}
