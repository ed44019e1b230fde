// SPEC's TS: "01 Jun 2023 15:00:01" in the server's local time zone.
const MONTHS = [
  'Jan',
  'Feb',
  'Mar',
  'Apr',
  'May',
  'Jun',
  'Jul',
  'Aug',
  'Sep',
  'Oct',
  'Nov',
  'Dec',
] as const;

const pad2 = (n: number): string => (n < 10 ? `0${n}` : String(n));

export function formatTimestamp(date: Date): string {
  const day = pad2(date.getDate());
  const month = MONTHS[date.getMonth()];
  const time = `${pad2(date.getHours())}:${pad2(date.getMinutes())}:${pad2(date.getSeconds())}`;
  return `${day} ${month} ${date.getFullYear()} ${time}`;
}
