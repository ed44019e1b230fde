// Zoom (buttons, Ctrl + wheel) and pan (drag) for one diagram. The SVG is sized in CSS pixels
// from its natural size (Graphviz writes points: 1 pt = 4/3 px), so 100 % shows text at the size
// Graphviz laid it out: nothing is shrunk to fit unless the reader asks (Fit).
const STEP = 1.25;
const MIN = 0.1;
const MAX = 4;

export class Zoom {
  private scale = 1;
  private readonly width: number;
  private readonly height: number;
  /** Set while a drag moved the diagram, so the click that ends it does not select a state. */
  moved = false;

  constructor(
    private readonly viewport: HTMLElement,
    private readonly svg: SVGSVGElement,
    private readonly label: HTMLElement | null,
  ) {
    const pt = (v: string | null): number => Number.parseFloat(v ?? '0') * (v?.endsWith('pt') ? 4 / 3 : 1);
    this.width = pt(svg.getAttribute('width'));
    this.height = pt(svg.getAttribute('height'));
    this.apply();
    viewport.addEventListener('wheel', (e) => {
      if (!e.ctrlKey) return;
      e.preventDefault();
      this.set(this.scale * (e.deltaY < 0 ? STEP : 1 / STEP));
    });
    this.enablePan();
  }

  get level(): number {
    return this.scale;
  }

  command(what: string): void {
    if (what === 'in') this.set(this.scale * STEP);
    else if (what === 'out') this.set(this.scale / STEP);
    else if (what === 'reset') this.set(1);
    // The viewport grows with the diagram up to 72 % of the window (see the page's style).
    else if (what === 'fit') this.set(Math.min(this.viewport.clientWidth / this.width, (window.innerHeight * 0.72) / this.height));
  }

  set(scale: number): void {
    this.scale = Math.min(MAX, Math.max(MIN, scale));
    this.apply();
  }

  private apply(): void {
    this.svg.style.width = `${this.width * this.scale}px`;
    this.svg.style.height = `${this.height * this.scale}px`;
    if (this.label) this.label.textContent = `${Math.round(this.scale * 100)} %`;
  }

  private enablePan(): void {
    let start: { x: number; y: number; left: number; top: number } | undefined;
    this.viewport.addEventListener('pointerdown', (e) => {
      if (e.button !== 0) return;
      start = { x: e.clientX, y: e.clientY, left: this.viewport.scrollLeft, top: this.viewport.scrollTop };
      this.moved = false;
    });
    this.viewport.addEventListener('pointermove', (e) => {
      if (start === undefined) return;
      const dx = e.clientX - start.x;
      const dy = e.clientY - start.y;
      if (!this.moved && Math.abs(dx) + Math.abs(dy) < 4) return;
      if (!this.moved) this.viewport.setPointerCapture(e.pointerId);
      this.moved = true;
      this.viewport.classList.add('panning');
      this.viewport.scrollLeft = start.left - dx;
      this.viewport.scrollTop = start.top - dy;
    });
    const end = (): void => {
      start = undefined;
      this.viewport.classList.remove('panning');
    };
    this.viewport.addEventListener('pointerup', end);
    this.viewport.addEventListener('pointercancel', end);
  }
}
